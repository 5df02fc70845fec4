"""Batch scoring three ways on the same rows: Spark (batch_score), the HTTP API in 500-row chunks, the pyfunc.

Usage (heavy: run under ``flock /tmp/heavy.lock``):
    python -m benchmarks.bench_batch --scale 0.05 --rows 48744 --workdir /tmp/bench_batch

Generates tables at ``--scale`` and trains a small LightGBM champion in a private sqlite store (or reuses
``--workdir`` from a previous run), then scores ``--rows`` application rows (application_test repeated with
new ids: raw-fields requests, as many as the real production set by default) without explanations:
  spark   `batch_score` on ``--master`` (default local[2]) twice on one session: the warm run's time is the
          figure (load, requests, spark_udf, parquet write, summary); session start and cold run printed too;
  http    `mlflow models serve`, POST /invocations in chunks of 500 rows (server start-up excluded);
  pyfunc  `mlflow.pyfunc.load_model(...).predict` on the whole frame in this process (load excluded).
Each way runs in its own process; peak memory = the largest sum of RSS over that process and all its
children (JVM, Python workers, model server), sampled every 0.2 s.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd

from custom_model.contract import ID_COLUMN, PREDICTION_LOG_DISABLED, PREDICTION_LOG_ENV, model_uri

CHUNK = 500
WAYS = ("spark", "http", "pyfunc")


def tree_rss(pid: int) -> int:
    """Bytes resident in ``pid`` and all its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry.name))
            rss[int(entry.name)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        total += rss.get(current, 0)
        todo += children.get(current, [])
    return total


def prepare(workdir: Path, scale: float, rows: int) -> tuple[Path, str]:
    """Tables with ``rows`` production rows and a trained champion; returns (data folder, tracking URI)."""
    from entry_points.synthetic import generate_tables, write_tables
    from entry_points.train import TrainSettings, run
    from tests.support.mlflow_state import using_tracking_uri

    data, scored = workdir / "data", workdir / "scored"
    uri = f"sqlite:///{(workdir / 'mlflow.db').resolve()}"
    if not (workdir / "mlflow.db").is_file():
        write_tables(generate_tables(scale, 42), data)
        with using_tracking_uri(uri):
            run(
                TrainSettings(data_dir=data, max_evals=2, n_folds=2, families=("lightgbm",), max_rounds=100),
                project_dir=workdir,
            )
    if not (scored / "application_test.csv").is_file():
        scored.mkdir(parents=True, exist_ok=True)
        (scored / "application_train.csv").write_bytes((data / "application_train.csv").read_bytes())
        test = pd.read_csv(data / "application_test.csv")
        copies = [
            test.assign(**{ID_COLUMN: test[ID_COLUMN] + 10_000_000 * k}) for k in range(rows // len(test) + 1)
        ]
        pd.concat(copies, ignore_index=True).iloc[:rows].to_csv(scored / "application_test.csv", index=False)
    return scored, uri


def requests_frame(data: Path) -> pd.DataFrame:
    """The rows every way scores (what batch_score sends)."""
    from custom_model.io import load_tables
    from entry_points.batch.scoring import request_rows

    return request_rows(load_tables(data, tables=()))


def run_spark(data: Path, workdir: Path, master: str) -> tuple[int, float, dict]:
    """batch_score twice on one session; (rows, seconds of the warm run, the cold figures)."""
    from entry_points import batch_score
    from entry_points.batch.session import SparkSettings, start_spark
    from entry_points.batch_score import BatchSettings

    started = time.perf_counter()
    spark = start_spark(SparkSettings(master=master))
    session_seconds = time.perf_counter() - started
    seconds = []
    for attempt in ("cold", "warm"):
        output = workdir / f"spark-out-{os.getpid()}-{attempt}"
        begun = time.perf_counter()
        summary = batch_score.run(BatchSettings(data_dir=data, output=output, master=master), spark=spark)
        seconds.append(time.perf_counter() - begun)
        subprocess.run(["rm", "-rf", str(output)], check=True)
    spark.stop()
    return summary.rows, seconds[1], {"session_start_s": session_seconds, "cold_run_s": seconds[0]}


def run_http(data: Path, uri: str) -> tuple[int, float]:
    """POST the rows in 500-row chunks to a live `mlflow models serve`; (rows, seconds of the requests)."""
    import requests

    from tests.support.server import model_server

    frame = requests_frame(data)
    with model_server(model_uri(), uri, env={PREDICTION_LOG_ENV: PREDICTION_LOG_DISABLED}) as url:
        session = requests.Session()
        started = time.perf_counter()
        answered = 0
        for start in range(0, len(frame), CHUNK):
            chunk = frame.iloc[start : start + CHUNK]
            body = {
                "dataframe_split": json.loads(chunk.to_json(orient="split", index=False)),
                "params": {"explain": False},
            }
            answer = session.post(f"{url}/invocations", json=body, timeout=120)
            answer.raise_for_status()
            answered += len(answer.json()["predictions"])
        return answered, time.perf_counter() - started


def run_pyfunc(data: Path, uri: str) -> tuple[int, float]:
    """The pyfunc in this process on the whole frame; (rows, seconds of predict)."""
    import mlflow

    frame = requests_frame(data)
    mlflow.set_tracking_uri(uri)
    model = mlflow.pyfunc.load_model(model_uri())
    started = time.perf_counter()
    answer = model.predict(frame, params={"explain": False})
    return len(answer), time.perf_counter() - started


def child(way: str, data: Path, uri: str, workdir: Path, master: str) -> None:
    """Run one way and print its JSON line."""
    os.environ[PREDICTION_LOG_ENV] = PREDICTION_LOG_DISABLED
    os.environ["MLFLOW_TRACKING_URI"] = uri
    extra: dict = {}
    if way == "spark":
        rows, seconds, extra = run_spark(data, workdir, master)
    elif way == "http":
        rows, seconds = run_http(data, uri)
    else:
        rows, seconds = run_pyfunc(data, uri)
    print(json.dumps({"way": way, "rows": rows, "seconds": seconds, **extra}))


def measure(way: str, args: argparse.Namespace, data: Path, uri: str) -> dict:
    """Run ``way`` in a child process, sampling its tree's memory."""
    command = [
        sys.executable,
        "-m",
        "benchmarks.bench_batch",
        "--child",
        way,
        "--data",
        str(data),
        "--uri",
        uri,
        "--workdir",
        str(args.workdir),
        "--master",
        args.master,
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    peak = [0]

    def sample() -> None:
        while process.poll() is None:
            peak[0] = max(peak[0], tree_rss(process.pid))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, _ = process.communicate()
    sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"{way} failed with exit code {process.returncode}")
    result = json.loads(out.strip().splitlines()[-1])
    return {**result, "rows_per_s": result["rows"] / result["seconds"], "peak_gb": peak[0] / 1e9}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scale", type=float, default=0.05)
    p.add_argument("--rows", type=int, default=48_744)
    p.add_argument("--workdir", type=Path, default=Path("/tmp/bench_batch"))
    p.add_argument("--master", default="local[2]")
    p.add_argument("--ways", default=",".join(WAYS))
    p.add_argument("--child", choices=WAYS, help=argparse.SUPPRESS)
    p.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--uri", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        child(args.child, args.data, args.uri, args.workdir, args.master)
        return
    args.workdir.mkdir(parents=True, exist_ok=True)
    data, uri = prepare(args.workdir, args.scale, args.rows)
    results = [measure(way, args, data, uri) for way in args.ways.split(",")]
    print(f"{'way':8} {'rows':>8} {'seconds':>8} {'rows/s':>9} {'peak GB':>8}")
    for r in results:
        print(f"{r['way']:8} {r['rows']:8d} {r['seconds']:8.1f} {r['rows_per_s']:9.0f} {r['peak_gb']:8.2f}")
        if "cold_run_s" in r:
            start, cold = r["session_start_s"], r["cold_run_s"]
            print(f"         Spark session start {start:.1f} s, first (cold) run {cold:.1f} s")
    by = {r["way"]: r["rows_per_s"] for r in results}
    if {"spark", "http", "pyfunc"} <= set(by):
        spark_vs_http, pyfunc_vs_spark = by["spark"] / by["http"], by["pyfunc"] / by["spark"]
        print(f"spark / http = {spark_vs_http:.1f} x; pyfunc / spark = {pyfunc_vs_spark:.1f} x")


if __name__ == "__main__":
    main()
