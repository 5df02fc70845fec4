"""Memory of the live model server around one large request: resident memory before, peak, after.

Start the server first (`mlflow models serve -m models:/credit-scoring@champion --env-manager local -h
127.0.0.1 -p 5001`), then `python -m benchmarks.bench_request_memory --data-dir data/demo [--rows 10000]`.
The server process is found by the port it listens on (Linux /proc); run this on the server's machine.
Requests: ROWS clients by id with explanations, then ROWS raw-fields applicants with explanations (the
application_test rows of DATA_DIR, repeated with fresh ids), then ROWS+1 rows (refused by the row cap).
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import pandas as pd
import requests

from custom_model import schema
from custom_model.contract import API_URL_ENV, DEFAULT_API_URL, MAX_ROWS_PER_REQUEST


def listening_pid(url: str) -> int:
    """Pid of the process listening on the TCP port of ``url`` (Linux /proc: the uvicorn worker)."""
    port = int(url.rsplit(":", 1)[1].split("/")[0])
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if os.path.exists(table):
            with open(table) as lines:
                for fields in (line.split() for line in list(lines)[1:]):
                    if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "0A":  # 0A: LISTEN
                        inodes.add(f"socket:[{fields[9]}]")
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if any(os.readlink(f"/proc/{pid}/fd/{fd}") in inodes for fd in os.listdir(f"/proc/{pid}/fd")):
                return int(pid)
        except OSError:
            continue
    raise SystemExit(f"no process of this user listens on port {port}")


def memory_mb(pid: int) -> dict[str, float]:
    """Resident (VmRSS) and peak resident (VmHWM) memory of a process, in MB."""
    with open(f"/proc/{pid}/status") as status:
        rows = [line.split() for line in status if line.startswith(("VmRSS", "VmHWM"))]
    return {row[0].rstrip(":"): int(row[1]) / 1024 for row in rows}


def _json_rows(frame: pd.DataFrame) -> list[list]:
    """Rows as JSON-ready lists (NaN → null, numpy → Python)."""
    values = frame.astype(object).where(frame.notna(), None).to_numpy().tolist()
    return [[v.item() if hasattr(v, "item") else v for v in row] for row in values]


def bodies(data_dir: str, rows: int) -> dict[str, dict]:
    """The requests measured, by name."""
    app = pd.read_csv(f"{data_dir}/{schema.APPLICATION_TEST}.csv")
    ids = np.resize(app[schema.ID_CURR].to_numpy(), rows)
    raw = app.iloc[np.resize(np.arange(len(app)), rows)].reset_index(drop=True)
    raw[schema.ID_CURR] = np.arange(rows) + 900_000_000
    return {
        f"{rows:,} by id, explain": {
            "dataframe_split": {"columns": [schema.ID_CURR], "data": [[int(i)] for i in ids]},
            "params": {"explain": True, "top_k": 5},
        },
        f"{rows:,} raw fields, explain": {
            "dataframe_split": {"columns": list(raw.columns), "data": _json_rows(raw)},
            "params": {"explain": True, "top_k": 5},
        },
        f"{rows + 1:,} by id (over the cap)": {
            "dataframe_split": {
                "columns": [schema.ID_CURR],
                "data": [[int(i)] for i in np.resize(ids, rows + 1)],
            }
        },
    }


def main() -> None:
    """Measure and print one line per request."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get(API_URL_ENV, DEFAULT_API_URL))
    parser.add_argument("--data-dir", required=True, help="folder with application_test.csv")
    parser.add_argument("--rows", type=int, default=MAX_ROWS_PER_REQUEST)
    args = parser.parse_args()
    pid = listening_pid(args.url)
    start = memory_mb(pid)
    print(f"server pid {pid}: resident {start['VmRSS']:.0f} MB, peak so far {start['VmHWM']:.0f} MB")
    for name, body in bodies(args.data_dir, args.rows).items():
        before = memory_mb(pid)
        started = time.perf_counter()
        response = requests.post(f"{args.url}/invocations", json=body, timeout=600)
        seconds = time.perf_counter() - started
        after = memory_mb(pid)
        print(
            f"{name}: HTTP {response.status_code}, {len(response.content) / 2**20:.1f} MiB answer "
            f"in {seconds:.1f} s; "
            f"resident {before['VmRSS']:.0f} → {after['VmRSS']:.0f} MB, peak {after['VmHWM']:.0f} MB"
        )


if __name__ == "__main__":
    main()
