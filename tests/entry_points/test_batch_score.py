"""batch_score end to end on tiny generated data: Spark's answers equal the pyfunc called in pandas."""

from __future__ import annotations

import json
import logging
import shlex
import shutil
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest
import yaml

from custom_model.contract import ANSWER_COLUMNS, ID_COLUMN, REASON_KEYS
from custom_model.io import load_tables
from custom_model.prediction_log import prediction_log_disabled
from entry_points import batch_score
from entry_points.batch.scoring import SUMMARY_FILE, request_rows
from entry_points.batch_score import BatchSettings
from tests.conftest import PROJECT_DIR
from tests.support.mlflow_state import using_tracking_uri

NEW_CLIENT, UNKNOWN_ID, IMPLAUSIBLE_CLIENT = 990_000_001, 990_000_002, 990_000_003


@pytest.fixture(scope="module")
def data_dir(tiny_model, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny model's application tables plus a new applicant (fields only) and an implausible row."""
    folder = tmp_path_factory.mktemp("batch_data")
    shutil.copy(tiny_model.data_dir / "application_train.csv", folder)
    test = pd.read_csv(tiny_model.data_dir / "application_test.csv")
    extra = test.iloc[:2].copy()
    extra[ID_COLUMN] = [NEW_CLIENT, IMPLAUSIBLE_CLIENT]
    extra.loc[extra.index[1], "AMT_CREDIT"] = -1_000_000.0
    pd.concat([test, extra]).to_csv(folder / "application_test.csv", index=False)
    return folder


def _pandas_answers(tiny_model, data_dir: Path, ids: list[int] | None, params: dict) -> pd.DataFrame:
    requests = request_rows(load_tables(data_dir, tables=()), None if ids is None else np.asarray(ids))
    with using_tracking_uri(tiny_model.tracking_uri), prediction_log_disabled():
        return mlflow.pyfunc.load_model(tiny_model.model_uri).predict(requests, params=params)


def _run(tiny_model, spark, settings: BatchSettings):
    with using_tracking_uri(tiny_model.tracking_uri):
        return batch_score.run(settings, spark=spark)


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows by id, every missing value as None (parquet NaN or None, the pyfunc None), numbers kept exact."""
    frame = frame.sort_values(ID_COLUMN).reset_index(drop=True).astype(object)
    return frame.where(frame.notna(), None)


def _assert_same(left: pd.DataFrame, right: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(left, right, check_dtype=False, check_exact=True)


def test_every_answer_of_every_row_equals_the_pyfunc_in_pandas(tiny_model, spark, data_dir, tmp_path) -> None:
    output = tmp_path / "answers"
    summary = _run(tiny_model, spark, BatchSettings(data_dir=data_dir, output=output, partitions=3))
    written = pd.read_parquet(output)
    expected = _pandas_answers(tiny_model, data_dir, None, {"explain": False})
    assert list(written.columns) == list(ANSWER_COLUMNS)
    assert len(written) == len(expected) == summary.rows
    _assert_same(_sorted(written), _sorted(expected))
    new = written.set_index(ID_COLUMN).loc[[NEW_CLIENT, IMPLAUSIBLE_CLIENT]]
    assert new["decision"].iloc[0] in ("accepted", "refused")
    assert new["decision"].iloc[1] is None and "AMT_CREDIT" in new["error"].iloc[1]
    decisions = written["decision"].value_counts()
    assert (summary.accepted, summary.refused, summary.failed) == (
        decisions.get("accepted", 0),
        decisions.get("refused", 0),
        1,
    )
    assert json.loads((output / SUMMARY_FILE).read_text())["rows"] == summary.rows
    assert sorted(p.name for p in tmp_path.iterdir()) == ["answers"]  # the temporary folder was renamed


def test_ids_and_explanations_as_structs_equal_the_pyfunc(tiny_model, spark, data_dir, tmp_path) -> None:
    test_ids = pd.read_csv(data_dir / "application_test.csv")[ID_COLUMN].tolist()
    ids = [*test_ids[:4], UNKNOWN_ID, NEW_CLIENT]
    output = tmp_path / "explained"
    settings = BatchSettings(data_dir=data_dir, output=output, ids=tuple(ids), explain=True, top_k=2)
    summary = _run(tiny_model, spark, settings)
    written = _sorted(pd.read_parquet(output))
    expected = _sorted(_pandas_answers(tiny_model, data_dir, ids, {"explain": True, "top_k": 2}))
    assert written[ID_COLUMN].tolist() == sorted(ids) and summary.failed == 1
    unknown = written.set_index(ID_COLUMN).loc[UNKNOWN_ID]
    assert unknown["decision"] is None and "unknown client id" in unknown["error"]
    columns = [c for c in ANSWER_COLUMNS if c != "explanation"]
    _assert_same(written[columns], expected[columns])
    for structs, text in zip(written["explanation"], expected["explanation"], strict=True):
        reasons = [] if text is None else json.loads(text)
        got = [] if structs is None else [dict(r) for r in structs]
        assert [list(r) for r in got] == [list(REASON_KEYS)] * len(got)
        assert got == reasons or (text is None and structs is None)


def _error(caplog: pytest.LogCaptureFixture, argv: list[str]) -> tuple[int, str]:
    """Exit code and the one error line of ``batch_score`` (no traceback)."""
    with caplog.at_level(logging.ERROR):
        code = batch_score.main(argv)
    (record,) = [r for r in caplog.records if r.name == "entry_points.batch_score"]
    assert not record.exc_info and "\n" not in record.getMessage()
    return code, record.getMessage()


def test_missing_table_is_one_clear_line(tiny_model, tmp_path, caplog) -> None:
    shutil.copy(tiny_model.data_dir / "application_train.csv", tmp_path)
    code, message = _error(caplog, ["--data-dir", str(tmp_path), "--output", str(tmp_path / "out")])
    assert code == 1 and message.startswith("batch_score: error: ")
    assert "missing application_test.csv" in message


def test_bad_master_url_is_one_clear_line(tiny_model, tmp_path, caplog) -> None:
    argv = ["--data-dir", str(tiny_model.data_dir), "--output", str(tmp_path / "out"), "--master", "mars://x"]
    code, message = _error(caplog, argv)
    assert code == 1 and message.startswith("batch_score: error: master must be a Spark master URL")
    assert "got 'mars://x'" in message and not (tmp_path / "out").exists()


def test_an_existing_output_is_refused_before_any_work(tiny_model, tmp_path, caplog) -> None:
    (tmp_path / "out").mkdir()
    code, message = _error(
        caplog, ["--data-dir", str(tiny_model.data_dir), "--output", str(tmp_path / "out")]
    )
    assert code == 1 and "out: already exists" in message


def test_mlproject_defaults_are_the_job_defaults() -> None:
    entry = yaml.safe_load((PROJECT_DIR / "MLproject").read_text())["entry_points"]["batch_score"]
    values = {name: spec["default"] for name, spec in entry["parameters"].items()}
    values = {k: (shlex.quote(str(v)) if v != "" else "''") for k, v in values.items()}
    argv = shlex.split(entry["command"].format(**values))[3:]
    parsed = batch_score.parse_args(argv)
    assert parsed == BatchSettings(data_dir=Path("data/demo"), output=Path("data/scores"))
    other = batch_score.parse_args([*argv, "--ids", "7, 8", "--explain", "TRUE"])
    assert (other.ids, other.explain) == ((7, 8), True)
