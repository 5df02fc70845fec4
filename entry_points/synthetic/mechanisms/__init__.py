"""The planted default mechanisms, by name: the generator's `mechanism` parameter chooses one.

Each module declares one `MECHANISM`; adding a mechanism is one module plus one line in `MECHANISMS`. They put
the signal in different tables and transforms, so that a model (or a feature set) tuned on one is checked on
the others: `delinquency` (the default), `affordability` and `recency`.
"""

from __future__ import annotations

from custom_model.errors import ParameterError
from entry_points.synthetic.mechanisms import affordability, delinquency, recency
from entry_points.synthetic.mechanisms.base import Drawn, Mechanism, default_probability

MECHANISMS: dict[str, Mechanism] = {
    m.name: m for m in (delinquency.MECHANISM, affordability.MECHANISM, recency.MECHANISM)
}
DEFAULT_MECHANISM = delinquency.MECHANISM.name


def get_mechanism(name: str) -> Mechanism:
    """The mechanism called `name`; refuse an unknown name with the list of known ones."""
    try:
        return MECHANISMS[name]
    except KeyError:
        raise ParameterError(
            f"mechanism must be one of {', '.join(sorted(MECHANISMS))}; got {name!r}"
        ) from None


__all__ = ["DEFAULT_MECHANISM", "MECHANISMS", "Drawn", "Mechanism", "default_probability", "get_mechanism"]
