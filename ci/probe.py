"""Build a real /invocations request and check the served answer, for the CI and CD smoke scripts.

Used as ``python ci/probe.py body --csv application_test.csv`` (or ``--model-uri URI`` to reuse the
model's own input example) and ``python ci/probe.py check answer.json --body request.json``; exits non-zero
with the reason when the answer breaks the contract in ARCHITECTURE.md.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

ANSWER_COLUMNS = (
    "SK_ID_CURR",
    "probability_default",
    "threshold",
    "decision",
    "model_version",
    "base_value",
    "explanation",
    "error",
)
DECISIONS = ("accepted", "refused")


def first_client_ids(csv_path: Path, *, count: int = 1) -> list[int]:
    """Read the first ``count`` SK_ID_CURR of a Home Credit application file."""
    with csv_path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or "SK_ID_CURR" not in reader.fieldnames:
            raise ValueError(f"{csv_path}: expected a SK_ID_CURR column; got columns {reader.fieldnames}")
        ids = [int(row["SK_ID_CURR"]) for _, row in zip(range(count), reader, strict=False)]
    if not ids:
        raise ValueError(f"{csv_path}: expected at least one client row; got none")
    return ids


def example_client_ids(model_uri: str, *, count: int = 1) -> list[int]:
    """Take SK_ID_CURR values from the input example logged with the model (no data files needed)."""
    from mlflow.models import Model

    example = Model.load(model_uri).load_input_example()
    if example is None or "SK_ID_CURR" not in getattr(example, "columns", ()):
        raise ValueError(
            f"{model_uri}: expected an input example with SK_ID_CURR; got {type(example).__name__}"
        )
    return [int(value) for value in example["SK_ID_CURR"].head(count)]


def request_body(client_ids: Sequence[int]) -> dict:
    """Return the MLflow ``dataframe_split`` body that scores the given clients by id."""
    return {"dataframe_split": {"columns": ["SK_ID_CURR"], "data": [[int(i)] for i in client_ids]}}


def answer_problems(answer: Mapping, client_ids: Sequence[int]) -> list[str]:
    """List every way ``answer`` breaks the served contract for ``client_ids`` (empty when it is fine)."""
    rows = answer.get("predictions") if isinstance(answer, Mapping) else None
    if not isinstance(rows, list):
        return [f"expected a JSON object with a 'predictions' list; got {str(answer)[:200]}"]
    if len(rows) != len(client_ids):
        return [f"expected {len(client_ids)} prediction rows; got {len(rows)}"]
    problems = []
    for index, (row, client_id) in enumerate(zip(rows, client_ids, strict=True)):
        missing = [c for c in ANSWER_COLUMNS if c not in row]
        if missing:
            problems.append(f"row {index}: missing answer columns {missing}")
            continue
        if row["SK_ID_CURR"] != client_id:
            problems.append(f"row {index}: expected SK_ID_CURR {client_id}; got {row['SK_ID_CURR']}")
        if row["error"] is not None:
            problems.append(f"row {index}: expected error null; got {row['error']!r}")
            continue
        probability = row["probability_default"]
        if (
            not isinstance(probability, float | int)
            or not 0.0 <= probability <= 1.0
            or math.isnan(probability)
        ):
            problems.append(f"row {index}: expected probability_default in [0, 1]; got {probability!r}")
        if row["decision"] not in DECISIONS:
            problems.append(f"row {index}: expected decision in {DECISIONS}; got {row['decision']!r}")
    return problems


def _parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    body = commands.add_parser("body", help="print a dataframe_split request body")
    source = body.add_mutually_exclusive_group(required=True)
    source.add_argument("--csv", type=Path, help="application_test.csv to take client ids from")
    source.add_argument("--model-uri", help="model whose input example gives the client ids")
    body.add_argument("--count", type=int, default=1)
    check = commands.add_parser("check", help="validate an /invocations answer")
    check.add_argument("answer", type=Path)
    check.add_argument("--body", type=Path, required=True, help="the request body that produced the answer")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Print a request body, or check an answer against the body that produced it."""
    args = _parse_args(sys.argv[1:] if argv is None else argv)
    if args.command == "body":
        ids = (
            first_client_ids(args.csv, count=args.count)
            if args.csv
            else example_client_ids(args.model_uri, count=args.count)
        )
        print(json.dumps(request_body(ids)))
        return 0
    sent = json.loads(args.body.read_text())
    ids = [row[0] for row in sent["dataframe_split"]["data"]]
    problems = answer_problems(json.loads(args.answer.read_text()), ids)
    for problem in problems:
        print(f"{args.answer}: {problem}", file=sys.stderr)
    if not problems:
        print(f"{args.answer}: {len(ids)} client(s) scored as the contract says")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
