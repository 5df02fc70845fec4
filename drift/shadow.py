"""Shadow comparison: what @challenger would have decided for the clients the champion answered.

Pure functions over two tables: the champion's answered events (from the prediction log) and the challenger's
answers for the same clients. A client asked several times counts once, with its latest answer. Requests sent
as raw application fields cannot be replayed (the log keeps the model features, not the request): they are
counted and left out.
"""

from __future__ import annotations

import html
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from custom_model.contract import ID_COLUMN, Decision
from custom_model.cost import expected_decisions_cost

#: Most flipped clients listed in the reports (all are counted).
MAX_FLIPS_LISTED = 200


@dataclass(frozen=True)
class ShadowReport:
    """Agreement of the two models' decisions on the same clients, and what the flips would cost."""

    champion_versions: dict[str, int]
    challenger_version: str
    n_events: int
    n_clients: int
    n_not_replayable: int
    n_challenger_errors: int
    agreement: float
    champion_refusal_rate: float
    challenger_refusal_rate: float
    n_flips_to_refused: int
    n_flips_to_accepted: int
    expected_cost_champion: float | None
    expected_cost_challenger: float | None
    flips: list[dict] = field(default_factory=list)

    @property
    def refusal_rate_change(self) -> float:
        return self.challenger_refusal_rate - self.champion_refusal_rate

    def as_dict(self) -> dict:
        return {**asdict(self), "refusal_rate_change": self.refusal_rate_change}


def latest_by_client(events: pd.DataFrame) -> pd.DataFrame:
    """The latest answered event of each client (events: sk_id_curr, timestamp, decision, probability)."""
    ordered = events.sort_values(["timestamp", "event_order"], kind="stable")
    return ordered.drop_duplicates("sk_id_curr", keep="last").set_index("sk_id_curr")


def compare(
    events: pd.DataFrame,
    challenger: pd.DataFrame,
    *,
    challenger_version: str,
    truth: pd.Series | None,
    cost_fn: float,
    cost_fp: float,
) -> ShadowReport:
    """Compare the champion's logged decisions with the challenger's answers for the same clients.

    ``events``: answered events (sk_id_curr, input_kind, timestamp, event_order, probability_default,
    decision, model_version); ``challenger``: its answers by id (SK_ID_CURR, probability_default,
    decision, error); ``truth``: true default probability by client id (generated data), for expected costs.
    """
    replayable = events[events["input_kind"] == "id"]
    latest = latest_by_client(replayable)
    answers = challenger.set_index(ID_COLUMN).reindex(latest.index)
    ok = answers["error"].isna() & answers["decision"].notna()
    champion_refused = latest["decision"].eq(Decision.REFUSED).to_numpy()[ok.to_numpy()]
    challenger_refused = answers["decision"].eq(Decision.REFUSED).to_numpy()[ok.to_numpy()]
    ids = latest.index.to_numpy()[ok.to_numpy()]
    costs = _expected_costs(
        ids, champion_refused, challenger_refused, truth, cost_fn=cost_fn, cost_fp=cost_fp
    )
    flipped = champion_refused != challenger_refused
    flips = pd.DataFrame(
        {
            ID_COLUMN: ids[flipped],
            "champion_probability": latest["probability_default"].to_numpy()[ok.to_numpy()][flipped],
            "champion_decision": latest["decision"].to_numpy()[ok.to_numpy()][flipped],
            "challenger_probability": answers["probability_default"].to_numpy()[ok.to_numpy()][flipped],
            "challenger_decision": answers["decision"].to_numpy()[ok.to_numpy()][flipped],
        }
    ).sort_values(ID_COLUMN)
    n = int(ok.sum())
    return ShadowReport(
        champion_versions={str(k): int(v) for k, v in replayable["model_version"].value_counts().items()},
        challenger_version=challenger_version,
        n_events=len(events),
        n_clients=n,
        n_not_replayable=int((events["input_kind"] != "id").sum()),
        n_challenger_errors=int((~ok).sum()),
        agreement=float(1 - flipped.mean()) if n else float("nan"),
        champion_refusal_rate=float(champion_refused.mean()) if n else float("nan"),
        challenger_refusal_rate=float(challenger_refused.mean()) if n else float("nan"),
        n_flips_to_refused=int((flipped & challenger_refused).sum()),
        n_flips_to_accepted=int((flipped & ~challenger_refused).sum()),
        expected_cost_champion=costs[0],
        expected_cost_challenger=costs[1],
        flips=flips.head(MAX_FLIPS_LISTED).to_dict("records"),
    )


def _expected_costs(
    ids: np.ndarray,
    champion_refused: np.ndarray,
    challenger_refused: np.ndarray,
    truth: pd.Series | None,
    *,
    cost_fn: float,
    cost_fp: float,
) -> tuple[float | None, float | None]:
    """Expected cost per client of each model's decisions, on the clients whose truth is known."""
    if truth is None:
        return None, None
    p = truth.reindex(ids).to_numpy(dtype=np.float64)
    known = ~np.isnan(p)
    if not known.any():
        return None, None
    return tuple(  # type: ignore[return-value]
        expected_decisions_cost(p[known], refused[known], cost_fn=cost_fn, cost_fp=cost_fp)
        for refused in (champion_refused, challenger_refused)
    )


def render_html(report: ShadowReport, *, context: dict[str, str]) -> str:
    """A self-contained page: the headline figures, then the flipped clients."""
    rows = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_cell(v))}</td>" for v in flip.values()) + "</tr>"
        for flip in report.flips
    )
    header = "".join(f"<th>{html.escape(k)}</th>" for k in (report.flips[0] if report.flips else {}))
    n_flips = report.n_flips_to_refused + report.n_flips_to_accepted
    facts = {**context, **{k: _cell(v) for k, v in report.as_dict().items() if k != "flips"}}
    lines = "".join(
        f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>" for k, v in facts.items()
    )
    return (
        "<!doctype html><meta charset='utf-8'><title>Shadow challenger</title>"
        "<style>body{font-family:sans-serif;color:#1a1a1a}td,th{padding:2px 8px;text-align:left}</style>"
        f"<h1>Shadow challenger v{html.escape(report.challenger_version)} against the champion</h1>"
        f"<p><strong>{html.escape(summary(report))}</strong></p><table>{lines}</table>"
        f"<h2>Clients whose decision would flip ({n_flips})</h2>"
        f"<table><tr>{header}</tr>{rows}</table>"
    )


def _cell(value: object) -> str:
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def summary(report: ShadowReport) -> str:
    """One sentence a reviewer reads first."""
    cost = (
        f"; expected cost per client {report.expected_cost_champion:.4f} (champion) vs "
        f"{report.expected_cost_challenger:.4f} (challenger)"
        if report.expected_cost_champion is not None
        else ""
    )
    return (
        f"challenger v{report.challenger_version} agrees with the champion on {report.agreement:.1%} of "
        f"{report.n_clients:,} clients; refusal rate {report.champion_refusal_rate:.1%} → "
        f"{report.challenger_refusal_rate:.1%} ({report.n_flips_to_refused} more refused, "
        f"{report.n_flips_to_accepted} more accepted){cost}"
    )


def write_outputs(
    report: ShadowReport, output_dir: Path, *, context: dict[str, str], names: tuple[str, str]
) -> list[Path]:
    """Write the JSON and HTML reports; return their paths."""
    output_dir.mkdir(parents=True, exist_ok=True)
    json_path, html_path = output_dir / names[0], output_dir / names[1]
    json_path.write_text(json.dumps({"context": context, **report.as_dict()}, indent=2, default=str))
    html_path.write_text(render_html(report, context=context), encoding="utf-8")
    return [html_path, json_path]
