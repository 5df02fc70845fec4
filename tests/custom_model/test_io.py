"""Loader contract: real samples read with the declared dtypes; zip, parquet and cache give the same frames;
bad input gets our errors naming file, column and line."""

from __future__ import annotations

import logging
import os
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from custom_model import io, schema
from custom_model.errors import DataSourceError, SchemaError
from custom_model.io import Tables, load_tables, loaded_dtypes, read_table

N_SAMPLE_ROWS = 199


# ------------------------------------------------------------------------------------------------- helpers


def write_tables(folder: Path, samples_dir: Path, names=schema.TABLE_NAMES, rows: int | None = None) -> Path:
    """Write the first ``rows`` rows of the real samples (read as plain text) as CSVs in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        lines = (samples_dir / f"{name}.csv").read_text().splitlines(keepends=True)
        keep = lines if rows is None else lines[: rows + 1]
        (folder / f"{name}.csv").write_text("".join(keep))
    return folder


def edit_csv(path: Path, row: int, column: str, value: str) -> None:
    """Replace one cell (data row ``row``, 0-based) of a CSV with simple, unquoted cells."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[row, column] = value
    frame.to_csv(path, index=False)


def zip_folder(folder: Path, archive: Path, prefix: str = "", extra: dict[str, str] | None = None) -> Path:
    """Zip every CSV of ``folder`` under ``prefix`` plus extra members (name → text)."""
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.glob("*.csv")):
            zf.write(path, prefix + path.name)
        for name, text in (extra or {}).items():
            zf.writestr(name, text)
    return archive


def assert_same_tables(left: Tables, right: Tables) -> None:
    """Same present tables with identical frames (dtypes, categories and values)."""
    assert left.present() == right.present()
    for name in left.present():
        pd.testing.assert_frame_equal(left.get(name), right.get(name))


@pytest.fixture
def csv_dir(tmp_path, samples_dir) -> Path:
    """A writable copy of the real samples (all 8 files, 199 rows each)."""
    return write_tables(tmp_path / "csv", samples_dir)


# ------------------------------------------------------------------------------------------- happy paths


def test_reads_real_samples_with_declared_dtypes_and_row_counts(samples_dir):
    tables = load_tables(samples_dir)
    assert tables.present() == schema.TABLE_NAMES
    for name in schema.TABLE_NAMES:
        frame = tables.get(name)
        declared = schema.table(name)
        assert frame.shape == (N_SAMPLE_ROWS, len(declared.columns)), name
        assert list(frame.columns) == list(declared.column_names)
        got = {c: str(d) for c, d in frame.dtypes.items()}
        assert got == loaded_dtypes(name)
        if declared.required:
            assert got == declared.dtypes  # application tables: exactly the schema's pandas dtypes
        else:
            assert got == {c: ("category" if d == "object" else d) for c, d in declared.dtypes.items()}


def test_values_equal_pandas_default_reader(samples_dir):
    tables = load_tables(samples_dir)
    for name in schema.TABLE_NAMES:
        expected = pd.read_csv(samples_dir / f"{name}.csv")
        got = tables.get(name).copy()
        for col in schema.table(name).categorical():
            got[col.name] = got[col.name].astype(object)
        pd.testing.assert_frame_equal(got, expected)


def test_categories_are_declared_levels_in_schema_order(samples_dir):
    status = load_tables(samples_dir).bureau_balance["STATUS"]
    assert list(status.cat.categories) == ["C", "0", "X", "1", "5", "2", "3", "4"]
    assert status.iloc[:3].tolist() == ["C", "C", "C"]  # first lines of the real sample


def test_zip_at_root_and_in_a_folder_equal_csv_folder(tmp_path, csv_dir):
    expected = load_tables(csv_dir)
    junk = {
        "HomeCredit_columns_description.csv": "Table,Row\n",
        "sample_submission.csv": "SK_ID_CURR,TARGET\n1,0.5\n",
        "oracle.csv": "SK_ID_CURR,p\n1,0.1\n",
        "__MACOSX/._application_train.csv": "junk",
    }
    root = zip_folder(csv_dir, tmp_path / "root.zip", extra=junk)
    nested = zip_folder(csv_dir, tmp_path / "nested.zip", prefix="home-credit-default-risk/", extra=junk)
    assert_same_tables(load_tables(root), expected)
    assert_same_tables(load_tables(nested), expected)


def test_parquet_folder_equals_csv_folder(tmp_path, csv_dir):
    expected = load_tables(csv_dir)
    parquet_dir = tmp_path / "parquet"
    parquet_dir.mkdir()
    for name in schema.TABLE_NAMES:
        pd.read_csv(csv_dir / f"{name}.csv").to_parquet(parquet_dir / f"{name}.parquet")
    assert_same_tables(load_tables(parquet_dir), expected)


def test_folder_with_one_sub_folder_is_found(tmp_path, samples_dir):
    write_tables(tmp_path / "raw" / "unzipped", samples_dir, rows=5)
    assert load_tables(tmp_path / "raw").application_train.shape == (5, 122)


def test_child_tables_are_optional(tmp_path, samples_dir):
    folder = write_tables(tmp_path, samples_dir, names=(schema.APPLICATION_TRAIN, schema.APPLICATION_TEST))
    tables = load_tables(folder)
    assert tables.present() == (schema.APPLICATION_TRAIN, schema.APPLICATION_TEST)
    assert tables.bureau is None and tables.credit_card_balance is None
    assert tables.application_train["TARGET"].sum() == 12  # 6.0 % of the 199-row real sample


def test_tables_argument_reads_only_requested_child_tables(csv_dir):
    tables = load_tables(csv_dir, tables=["bureau"])
    assert tables.present() == (schema.APPLICATION_TRAIN, schema.APPLICATION_TEST, schema.BUREAU)
    with pytest.raises(KeyError, match=r"unknown table 'bureau.csv'"):
        load_tables(csv_dir, tables=["bureau.csv"])


def test_extra_columns_dropped_with_warning_and_order_restored(csv_dir, caplog):
    path = csv_dir / "bureau.csv"
    frame = pd.read_csv(path)
    shuffled = frame[list(reversed(frame.columns))].assign(MY_NOTE="x")
    shuffled.to_csv(path, index=True)  # also adds an unnamed index column
    with caplog.at_level(logging.WARNING, logger="custom_model.io"):
        bureau = load_tables(csv_dir).bureau
    assert list(bureau.columns) == list(schema.table("bureau").column_names)
    assert bureau["AMT_CREDIT_SUM"].tolist() == frame["AMT_CREDIT_SUM"].tolist()
    assert "bureau.csv: ignoring 2 undeclared column(s): , MY_NOTE" in caplog.text


def test_int_column_with_missing_values_becomes_float(csv_dir):
    edit_csv(csv_dir / "bureau.csv", 3, "CNT_CREDIT_PROLONG", "")
    bureau = read_table(csv_dir / "bureau.csv", "bureau")
    assert bureau["CNT_CREDIT_PROLONG"].dtype == np.float64
    assert bureau["CNT_CREDIT_PROLONG"].isna().sum() == 1 and np.isnan(bureau["CNT_CREDIT_PROLONG"].iloc[3])


def test_int_column_written_as_floats_stays_int(csv_dir):
    path = csv_dir / "bureau_balance.csv"
    frame = pd.read_csv(path)
    frame.assign(MONTHS_BALANCE=frame["MONTHS_BALANCE"].astype(float)).to_csv(path, index=False)
    assert "\n5715448,-1.0,C\n" in path.read_text()
    got = read_table(path, "bureau_balance")
    assert got["MONTHS_BALANCE"].dtype == np.int64
    assert got["MONTHS_BALANCE"].tolist() == frame["MONTHS_BALANCE"].tolist()


def test_read_table_reads_csv_and_parquet(tmp_path, csv_dir):
    expected = pd.read_csv(csv_dir / "installments_payments.csv")
    expected.to_parquet(tmp_path / "inst.parquet")
    pd.testing.assert_frame_equal(
        read_table(csv_dir / "installments_payments.csv", "installments_payments"), expected
    )
    pd.testing.assert_frame_equal(read_table(tmp_path / "inst.parquet", "installments_payments"), expected)


# ------------------------------------------------------------------------------------------------- cache


def test_parquet_cache_is_reused_then_invalidated_when_csv_changes(tmp_path, csv_dir):
    cache = tmp_path / "cache"
    first = load_tables(csv_dir, cache_dir=cache)
    assert sorted(p.name for p in cache.iterdir()) == sorted(f"{n}.parquet" for n in schema.TABLE_NAMES)
    cached = load_tables(csv_dir, cache_dir=cache)
    assert_same_tables(cached, first)

    # Plant a marker in the cached file (keeping its key): the next load must return it, proving a cache read.
    cache_file = cache / "bureau.parquet"
    planted = pd.read_parquet(cache_file)
    planted.loc[0, "AMT_CREDIT_SUM"] = -1.0
    arrow = pa.Table.from_pandas(planted, preserve_index=False)
    key = pq.read_schema(cache_file).metadata[b"credit_scoring.cache_key"]
    pq.write_table(arrow.replace_schema_metadata({b"credit_scoring.cache_key": key}), cache_file)
    assert load_tables(csv_dir, cache_dir=cache).bureau.loc[0, "AMT_CREDIT_SUM"] == -1.0

    # Changing the CSV (new size and mtime) invalidates the cache entry and rewrites it.
    edit_csv(csv_dir / "bureau.csv", 0, "AMT_CREDIT_SUM", "12345.5")
    reloaded = load_tables(csv_dir, cache_dir=cache)
    assert reloaded.bureau.loc[0, "AMT_CREDIT_SUM"] == 12345.5
    assert pd.read_parquet(cache_file).loc[0, "AMT_CREDIT_SUM"] == 12345.5
    assert_same_tables(load_tables(csv_dir, cache_dir=cache), reloaded)


def test_cache_invalidated_by_mtime_alone(tmp_path, csv_dir):
    cache = tmp_path / "cache"
    load_tables(csv_dir, cache_dir=cache, tables=[])
    path = csv_dir / "application_test.csv"
    text = path.read_text()
    path.write_text(text.replace("\n100001,", "\n999999,", 1))  # same size, new content
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    assert 999999 in load_tables(csv_dir, cache_dir=cache, tables=[]).application_test["SK_ID_CURR"].tolist()


def test_cache_of_zip_source(tmp_path, csv_dir):
    archive = zip_folder(csv_dir, tmp_path / "data.zip")
    cache = tmp_path / "cache"
    first = load_tables(archive, cache_dir=cache)
    assert (cache / "bureau_balance.parquet").is_file()
    assert_same_tables(load_tables(archive, cache_dir=cache), first)


# ------------------------------------------------------------------------------------------------ bad input


def test_missing_folder(tmp_path):
    with pytest.raises(DataSourceError, match=r"nowhere: data folder or archive not found"):
        load_tables(tmp_path / "nowhere")


@pytest.mark.parametrize("missing", [schema.APPLICATION_TRAIN, schema.APPLICATION_TEST])
def test_missing_application_table(csv_dir, missing):
    (csv_dir / f"{missing}.csv").unlink()
    with pytest.raises(DataSourceError, match=rf"missing {missing}.csv"):
        load_tables(csv_dir)


def test_missing_application_table_in_zip(tmp_path, csv_dir):
    (csv_dir / "application_test.csv").unlink()
    archive = zip_folder(csv_dir, tmp_path / "data.zip")
    with pytest.raises(DataSourceError, match=r"missing application_test.csv"):
        load_tables(archive)


def test_missing_column(csv_dir):
    path = csv_dir / "bureau.csv"
    pd.read_csv(path).drop(columns="AMT_ANNUITY").to_csv(path, index=False)
    with pytest.raises(SchemaError, match=r"^bureau.csv: missing column AMT_ANNUITY$"):
        load_tables(csv_dir)


def test_renamed_column_suggests_declared_name(csv_dir):
    path = csv_dir / "application_test.csv"
    pd.read_csv(path).rename(columns={"AMT_CREDIT": "AMT_CREDT"}).to_csv(path, index=False)
    with pytest.raises(
        SchemaError,
        match=r"application_test.csv: missing column AMT_CREDIT; found 'AMT_CREDT' — renamed",
    ):
        load_tables(csv_dir)


def test_non_numeric_value_names_file_column_value_and_line(csv_dir):
    edit_csv(csv_dir / "application_test.csv", 15, "AMT_CREDIT", "abc")  # data row 15 = line 17
    with pytest.raises(
        SchemaError, match=r"^application_test.csv: column AMT_CREDIT must be numeric; got 'abc' on line 17$"
    ):
        load_tables(csv_dir)


def test_line_number_is_right_across_parse_blocks(csv_dir, monkeypatch):
    monkeypatch.setattr(io, "_CSV_BLOCK_SIZE", 1024)  # ~30 lines per block: the error sits in a later block
    edit_csv(csv_dir / "installments_payments.csv", 180, "AMT_PAYMENT", "12,5")
    with pytest.raises(SchemaError, match=r"column AMT_PAYMENT must be numeric; got '12,5' on line 182$"):
        read_table(csv_dir / "installments_payments.csv", "installments_payments")


def test_fractional_value_in_int_column(csv_dir):
    edit_csv(csv_dir / "bureau_balance.csv", 7, "MONTHS_BALANCE", "-1.5")
    with pytest.raises(SchemaError, match=r"column MONTHS_BALANCE must hold integers; got -1.5 on line 9"):
        load_tables(csv_dir)


def test_non_numeric_value_in_parquet_names_the_row(tmp_path, csv_dir):
    frame = pd.read_csv(csv_dir / "bureau.csv").astype({"DAYS_CREDIT": str})
    frame.loc[4, "DAYS_CREDIT"] = "yesterday"
    frame.to_parquet(tmp_path / "bureau.parquet")
    with pytest.raises(SchemaError, match=r"column DAYS_CREDIT must be numeric; got 'yesterday' on row 5"):
        read_table(tmp_path / "bureau.parquet", "bureau")


@pytest.mark.parametrize("name", [schema.APPLICATION_TRAIN, schema.BUREAU])
def test_empty_file(csv_dir, name):
    (csv_dir / f"{name}.csv").write_bytes(b"")
    with pytest.raises(DataSourceError, match=rf"{name}.csv: empty file"):
        load_tables(csv_dir)


def test_header_only_application_file(csv_dir):
    path = csv_dir / "application_test.csv"
    path.write_text(path.read_text().splitlines(keepends=True)[0])
    with pytest.raises(DataSourceError, match=r"application_test.csv: no data rows"):
        load_tables(csv_dir)


def test_header_only_child_file_is_an_empty_table(csv_dir):
    path = csv_dir / "credit_card_balance.csv"
    path.write_text(path.read_text().splitlines(keepends=True)[0])
    cards = load_tables(csv_dir).credit_card_balance
    assert cards.shape == (0, 23)
    assert {c: str(d) for c, d in cards.dtypes.items()} == loaded_dtypes("credit_card_balance")


def test_ragged_row_is_a_truncated_file(csv_dir):
    path = csv_dir / "previous_application.csv"
    path.write_text(path.read_text()[:-200])  # last line cut in the middle, as an interrupted copy leaves it
    with pytest.raises(DataSourceError, match=r"previous_application.csv: malformed CSV"):
        load_tables(csv_dir)


def test_corrupt_zip(tmp_path):
    archive = tmp_path / "data.zip"
    archive.write_bytes(b"PK\x03\x04 this is not really a zip" * 10)
    with pytest.raises(DataSourceError, match=r"data.zip: not a readable zip archive"):
        load_tables(archive)


def test_truncated_zip(tmp_path, csv_dir):
    archive = zip_folder(csv_dir, tmp_path / "data.zip")
    data = archive.read_bytes()
    archive.write_bytes(data[: len(data) // 2])
    with pytest.raises(DataSourceError, match=r"data.zip: not a readable zip archive"):
        load_tables(archive)


def test_zip_with_damaged_member(tmp_path, csv_dir):
    archive = zip_folder(csv_dir, tmp_path / "data.zip")
    with zipfile.ZipFile(archive) as zf:
        info = zf.getinfo("application_train.csv")
    data = bytearray(archive.read_bytes())
    start = info.header_offset + 30 + len(info.filename) + 100  # inside the compressed bytes
    data[start : start + 64] = bytes(64)
    archive.write_bytes(bytes(data))
    with pytest.raises(DataSourceError, match=r"data.zip:application_train.csv"):
        load_tables(archive)


def test_unsupported_file(tmp_path):
    path = tmp_path / "data.tar"
    path.write_bytes(b"x")
    with pytest.raises(DataSourceError, match=r"expected a folder of .csv/.parquet files or a .zip"):
        load_tables(path)


def test_read_table_missing_file(tmp_path):
    with pytest.raises(DataSourceError, match=r"bureau.csv: file not found"):
        read_table(tmp_path / "bureau.csv", "bureau")


def test_windows_saved_csv_with_bom_and_crlf(csv_dir):
    path = csv_dir / "bureau_balance.csv"
    expected = read_table(path, "bureau_balance")
    path.write_bytes(b"\xef\xbb\xbf" + path.read_text().replace("\n", "\r\n").encode())
    pd.testing.assert_frame_equal(read_table(path, "bureau_balance"), expected)
