"""Parameters of the training job, declared once: argparse and the MLproject `train` entry read them.

A test checks that every MLproject parameter of `train` has the default written here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from custom_model.cost import DEFAULT_COST_FN, DEFAULT_COST_FP
from custom_model.families import FinalFit, family_names
from entry_points.synthetic.mechanisms import DEFAULT_MECHANISM
from entry_points.training.search import SearchConfig


def default_workers() -> int:
    """CV folds fitted at once: the CPUs this process may use (each fold's fit is single-threaded)."""
    return max(1, len(os.sched_getaffinity(0)))


#: Feature selection before the search: drop what the first LightGBM configuration never uses, or nothing.
ZERO_IMPORTANCE, NO_SELECTION = "zero-importance", "none"
FEATURE_SELECTIONS = (ZERO_IMPORTANCE, NO_SELECTION)


@dataclass(frozen=True)
class TrainSettings:
    """Parameters of one training invocation (the MLproject `train` entry point)."""

    data_dir: Path | None = None
    scale: float = 0.05
    mechanism: str = DEFAULT_MECHANISM
    cost_fn: float = DEFAULT_COST_FN
    cost_fp: float = DEFAULT_COST_FP
    max_evals: int = 10
    n_folds: int = 3
    holdout: float = 0.2
    seed: int = 42
    families: tuple[str, ...] = family_names()
    max_minutes: float = 0.0
    feature_selection: str = ZERO_IMPORTANCE
    final_learning_rate: float = FinalFit.learning_rate
    final_max_rounds: int = FinalFit.max_rounds
    final_patience: int = FinalFit.patience
    num_threads: int = 1
    max_rounds: int = 300
    workers: int = field(default_factory=default_workers)
    parallelism: int = 1
    #: Client buckets of the history feature build: 0 builds it in one pass over all loaded tables; k > 0
    #: reads each block's tables only for that block and builds k buckets of clients in turn (bounded memory,
    #: the same features).
    feature_buckets: int = 0
    #: Raw application columns kept out of the model (their encoded features dropped), e.g. CODE_GENDER: the
    #: sensitive attributes stay in the data, so fairness is still measured on them.
    exclude_features: tuple[str, ...] = ()

    @property
    def costs(self) -> dict[str, float]:
        """The business cost weights, as keyword arguments of the cost functions."""
        return {"cost_fn": self.cost_fn, "cost_fp": self.cost_fp}

    @property
    def final(self) -> FinalFit:
        """How the chosen configuration is fitted at the end."""
        return FinalFit(
            learning_rate=self.final_learning_rate,
            max_rounds=self.final_max_rounds,
            patience=self.final_patience,
        )

    @property
    def search(self) -> SearchConfig:
        """The search's budget and business settings."""
        return SearchConfig(
            cost_fn=self.cost_fn,
            cost_fp=self.cost_fp,
            n_folds=self.n_folds,
            max_evals=self.max_evals,
            seed=self.seed,
            num_threads=self.num_threads,
            max_rounds=self.max_rounds,
            workers=self.workers,
            parallelism=self.parallelism,
        )


#: The defaults, for argparse and the MLproject test.
DEFAULTS = TrainSettings()
