"""Time the drift analysis at scale 1.0: 307,511 reference vs 48,744 current clients, 50 features + score.

Usage:
    python -m benchmarks.bench_drift                       # synthetic frames of the scale-1.0 shape
    python -m benchmarks.bench_drift --data-dir data/scale1 --output-dir /tmp/bench-drift   # step 1
    python -m benchmarks.bench_drift --frames /tmp/bench-drift --output-dir /tmp/bench-drift  # step 2
        # real feature code: tables → features → FeaturePreprocessor (fitted here) → 50 model inputs saved as
        # parquet (step 1, timed apart: see bench_features); the drift stage on them (step 2) runs in a fresh
        # process launched from the shell: Linux carries ru_maxrss over fork/exec, so a child of step 1 would
        # report step 1's peak.

Prints the wall time of the drift stage (evidently report + PSI + HTML/JSON) and the peak resident memory
(``ru_maxrss``). Goals: ≤ 90 s and ≤ 4 GB on 2 cores. Run under ``flock /tmp/heavy.lock``.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from drift.report import drift_report
from drift.summary import conclusion, write_outputs

N_REFERENCE, N_CURRENT, N_FEATURES = 307_511, 48_744, 50
SCORE = "probability_default"
GOAL_SECONDS, GOAL_GB = 90.0, 4.0


def _peak_gb() -> float:
    """Peak resident memory of this process so far, in GB (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def synthetic_frame(n: int, *, seed: int, shifted: bool) -> pd.DataFrame:
    """Model-input-like float32 frame: 30 continuous (some missing), 15 dummies, 5 small counts, score."""
    rng = np.random.default_rng(seed)
    columns: dict[str, np.ndarray] = {}
    for i in range(30):
        values = rng.lognormal(0, 0.5, n) if i % 3 else rng.normal(0, 1, n)
        if shifted and i in (0, 1):
            values = values + 0.3
        if i % 4 == 0:
            values[rng.random(n) < 0.3] = np.nan
        columns[f"NUM_{i:02d}"] = values
    for i in range(15):
        p = 0.05 + 0.06 * i + (0.15 if shifted and i == 3 else 0.0)
        columns[f"DUMMY_{i:02d}"] = (rng.random(n) < p).astype(float)
    for i in range(5):
        columns[f"COUNT_{i}"] = rng.poisson(1 + i, n).astype(float)
    columns[SCORE] = rng.beta(1.5, 14, n)
    return pd.DataFrame(columns).astype(np.float32)


def real_frames(data_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Reference/current model inputs from the real feature code: 40 numeric columns and 10 dummies.

    Without a trained champion the ranking by importance is not available: the columns are the first 40
    preprocessor outputs with at least 3 distinct values plus the first 10 dummies, and the score is a fixed
    logistic function of 5 of them (the drift stage does not care where the score comes from).
    """
    from custom_model.features.assemble import build_features
    from custom_model.io import load_tables
    from custom_model.preprocessing import FeaturePreprocessor

    started = time.perf_counter()
    features = build_features(load_tables(data_dir))
    preprocessor = FeaturePreprocessor().fit(features.train.head(50_000))
    sample = preprocessor.transform(features.train.head(20_000))
    distinct = sample.nunique()
    numeric = [c for c in sample.columns if distinct[c] >= 3][:40]
    dummies = [c for c in sample.columns if distinct[c] == 2][:10]
    columns = numeric + dummies
    frames = []
    for part in (features.train, features.production):
        X = pd.concat(
            [preprocessor.transform(part.iloc[s : s + 50_000])[columns] for s in range(0, len(part), 50_000)]
        )
        z = X[numeric[:5]].fillna(0).to_numpy(dtype=float)
        z = (z - z.mean(axis=0)) / (z.std(axis=0) + 1e-9)
        X[SCORE] = (1 / (1 + np.exp(2.5 - 0.4 * z.sum(axis=1)))).astype(np.float32)
        frames.append(X)
    seconds = time.perf_counter() - started
    print(f"features: {seconds:.1f} s (not part of the drift stage), peak {_peak_gb():.2f} GB")
    return frames[0], frames[1]


def drift_stage(reference: pd.DataFrame, current: pd.DataFrame, output_dir: Path) -> None:
    """Run and time the drift stage exactly as the job does; print the figures."""
    columns = [c for c in reference.columns if c != SCORE] + [SCORE]
    before = _peak_gb()
    started = time.perf_counter()
    summary = drift_report(reference, current, columns=columns, score_column=SCORE)
    analysed = time.perf_counter()
    html, json_path = write_outputs(summary, output_dir)
    finished = time.perf_counter()
    total = finished - started
    peak = _peak_gb()
    print(conclusion(summary))
    print(f"shape: reference {reference.shape}, current {current.shape}")
    print(f"drift_report: {analysed - started:.1f} s; HTML + JSON: {finished - analysed:.1f} s")
    print(f"HTML size: {html.stat().st_size / 1e6:.1f} MB ({html}); JSON {json_path}")
    print(f"drift stage total: {total:.1f} s (goal ≤ {GOAL_SECONDS:.0f} s)")
    print(f"peak RSS: {peak:.2f} GB (data loaded: {before:.2f} GB; goal ≤ {GOAL_GB:.0f} GB)")


def main(argv: list[str] | None = None) -> int:
    """Parse options and run the benchmark."""
    p = argparse.ArgumentParser(prog="python -m benchmarks.bench_drift", description=__doc__.splitlines()[0])
    p.add_argument("--data-dir", type=Path, default=None, help="tables folder; default synthetic frames")
    p.add_argument("--output-dir", type=Path, default=Path(tempfile.gettempdir()) / "bench-drift")
    p.add_argument("--frames", type=Path, default=None, help="folder of reference/current.parquet (step 2)")
    a = p.parse_args(argv)
    a.output_dir.mkdir(parents=True, exist_ok=True)
    if a.frames is not None:
        reference = pd.read_parquet(a.frames / "reference.parquet")
        current = pd.read_parquet(a.frames / "current.parquet")
    elif a.data_dir is not None:
        reference, current = real_frames(a.data_dir)
        reference.to_parquet(a.output_dir / "reference.parquet")
        current.to_parquet(a.output_dir / "current.parquet")
        print(f"frames written; now run: python -m benchmarks.bench_drift --frames {a.output_dir}")
        return 0
    else:
        reference = synthetic_frame(N_REFERENCE, seed=1, shifted=False)
        current = synthetic_frame(N_CURRENT, seed=2, shifted=True)
    drift_stage(reference, current, a.output_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
