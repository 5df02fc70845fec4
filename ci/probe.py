"""Build a real /invocations request and check the served answer, for the CI and CD smoke scripts.

Used as ``python ci/probe.py body --csv application_test.csv`` (or ``--model-uri URI`` to reuse the
model's own input example), ``python ci/probe.py expect --model-uri URI --body request.json`` (the answer
of the same model loaded in this process) and ``python ci/probe.py check answer.json --body request.json
[--expected expected.json]``; exits non-zero with the reason when the answer breaks the contract in
ARCHITECTURE.md or differs from the in-process answer.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from custom_model.contract import ANSWER_COLUMNS, Decision

DECISIONS = tuple(d.value for d in Decision)


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


def expected_answer(model_uri: str, body: Mapping) -> dict:
    """Score a request body with the model loaded in this process: what the server must answer."""
    import mlflow.pyfunc
    import pandas as pd

    if "dataframe_split" in body:
        frame = pd.DataFrame(**body["dataframe_split"])
    else:
        frame = pd.DataFrame.from_records(body["dataframe_records"])
    answer = mlflow.pyfunc.load_model(model_uri).predict(frame, params=body.get("params"))
    return {"predictions": json.loads(answer.to_json(orient="records", double_precision=15))}


def _differences(got: object, want: object, where: str, *, tolerance: float) -> list[str]:
    """Every place where two JSON values differ (numbers within ``tolerance``, JSON strings parsed)."""
    if isinstance(got, str) and isinstance(want, str) and want[:1] in "[{" and got != want:
        try:
            return _differences(json.loads(got), json.loads(want), where, tolerance=tolerance)
        except json.JSONDecodeError:
            pass
    if isinstance(want, Mapping) and isinstance(got, Mapping):
        if set(got) != set(want):
            return [f"{where}: expected keys {sorted(want)}; got {sorted(got)}"]
        return [d for k in want for d in _differences(got[k], want[k], f"{where}.{k}", tolerance=tolerance)]
    if isinstance(want, list) and isinstance(got, list):
        if len(got) != len(want):
            return [f"{where}: expected {len(want)} items; got {len(got)}"]
        pairs = enumerate(zip(got, want, strict=True))
        return [d for i, (g, w) in pairs for d in _differences(g, w, f"{where}[{i}]", tolerance=tolerance)]
    numbers = (int, float)
    if isinstance(want, numbers) and isinstance(got, numbers) and not isinstance(want, bool):
        if math.isclose(got, want, rel_tol=tolerance, abs_tol=tolerance):
            return []
    elif got == want:
        return []
    return [f"{where}: expected {want!r}; got {got!r}"]


def answer_differences(answer: Mapping, expected: Mapping, *, tolerance: float = 1e-9) -> list[str]:
    """Where the served answer differs from the in-process one (empty when they agree)."""
    return _differences(answer, expected, "answer", tolerance=tolerance)


def _parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    body = commands.add_parser("body", help="print a dataframe_split request body")
    source = body.add_mutually_exclusive_group(required=True)
    source.add_argument("--csv", type=Path, help="application_test.csv to take client ids from")
    source.add_argument("--model-uri", help="model whose input example gives the client ids")
    body.add_argument("--count", type=int, default=1)
    expect = commands.add_parser("expect", help="print the in-process answer of a model to a request body")
    expect.add_argument("--model-uri", required=True)
    expect.add_argument("--body", type=Path, required=True)
    check = commands.add_parser("check", help="validate an /invocations answer")
    check.add_argument("answer", type=Path)
    check.add_argument("--body", type=Path, required=True, help="the request body that produced the answer")
    check.add_argument("--expected", type=Path, help="the in-process answer (`expect`) it must equal")
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
    if args.command == "expect":
        print(json.dumps(expected_answer(args.model_uri, sent)))
        return 0
    ids = [row[0] for row in sent["dataframe_split"]["data"]]
    answer = json.loads(args.answer.read_text())
    problems = answer_problems(answer, ids)
    if args.expected is not None:
        problems += answer_differences(answer, json.loads(args.expected.read_text()))
    for problem in problems:
        print(f"{args.answer}: {problem}", file=sys.stderr)
    if not problems:
        same = " and as the in-process model" if args.expected is not None else ""
        print(f"{args.answer}: {len(ids)} client(s) scored as the contract says{same}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
