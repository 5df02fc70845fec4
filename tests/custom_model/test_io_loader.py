"""Loader rules of custom_model/io.py: compressed CSVs, TARGET labels, one row per client."""

from __future__ import annotations

import bz2
import gzip
import lzma
import shutil
from pathlib import Path

import pandas as pd
import pytest

from custom_model import schema
from custom_model.errors import DataSourceError, SchemaError
from custom_model.io import load_tables, read_table
from entry_points.synthetic import generate_tables

TRAIN = f"{schema.APPLICATION_TRAIN}.csv"
TEST = f"{schema.APPLICATION_TEST}.csv"


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The two application tables of a tiny generated data set, written as the Kaggle CSVs."""
    folder = tmp_path_factory.mktemp("applications")
    data = generate_tables(0.002, 0, progress=lambda _message: None)
    for name in (schema.APPLICATION_TRAIN, schema.APPLICATION_TEST):
        data.tables[name].to_csv(folder / f"{name}.csv", index=False)
    return folder


@pytest.fixture
def folder(source: Path, tmp_path: Path) -> Path:
    """A writable copy of the application tables."""
    return Path(shutil.copytree(source, tmp_path / "data"))


def _edit(path: Path, line: int, column: str, value: str) -> None:
    """Set one cell, addressed by its line in the file (line 2 = first data row)."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[line - 2, column] = value
    frame.to_csv(path, index=False)


@pytest.mark.parametrize(("suffix", "compress"), [(".csv.gz", gzip.compress), (".csv.bz2", bz2.compress)])
def test_gzip_and_bz2_csvs_are_read_like_the_plain_files(
    folder: Path, tmp_path: Path, suffix: str, compress: object
) -> None:
    plain = load_tables(folder)
    packed = tmp_path / "packed"
    packed.mkdir()
    for name in (TRAIN, TEST):
        (packed / name.replace(".csv", suffix)).write_bytes(compress((folder / name).read_bytes()))
    tables = load_tables(packed)
    pd.testing.assert_frame_equal(tables.application_train, plain.application_train)
    pd.testing.assert_frame_equal(tables.application_test, plain.application_test)


def test_compressed_content_under_a_plain_csv_name_is_read(folder: Path) -> None:
    plain = read_table(folder / TEST, schema.APPLICATION_TEST)
    path = folder / TEST
    path.write_bytes(gzip.compress(path.read_bytes()))
    pd.testing.assert_frame_equal(read_table(path, schema.APPLICATION_TEST), plain)


def test_other_compressed_content_is_refused_naming_the_file(folder: Path) -> None:
    path = folder / TEST
    path.write_bytes(lzma.compress(path.read_bytes()))
    with pytest.raises(DataSourceError, match=r"application_test\.csv: xz-compressed content; decompress it"):
        load_tables(folder)


def test_a_truncated_gzip_csv_is_refused_naming_the_file(folder: Path) -> None:
    path = folder / f"{TEST}.gz"
    path.write_bytes(gzip.compress((folder / TEST).read_bytes())[:-200])
    (folder / TEST).unlink()
    with pytest.raises(DataSourceError, match=r"application_test\.csv\.gz: "):
        load_tables(folder)


def test_a_binary_file_is_refused_naming_the_file(folder: Path) -> None:
    (folder / TEST).write_bytes(b"\x00\x01\x02binary\x00" * 100)
    with pytest.raises(DataSourceError, match=r"application_test\.csv: binary content"):
        load_tables(folder)


@pytest.mark.parametrize(
    ("value", "shown"), [("2", "2"), ("", "an empty value"), ("-1", "-1"), ("0.5", "0.5"), ("yes", "'yes'")]
)
def test_target_must_be_0_or_1_naming_file_line_and_value(folder: Path, value: str, shown: str) -> None:
    _edit(folder / TRAIN, 17, schema.TARGET, value)
    with pytest.raises(SchemaError) as caught:
        load_tables(folder)
    message = str(caught.value)
    assert message.startswith(f"{TRAIN}: column TARGET must ")
    assert f"got {shown}" in message and "on line 17" in message


def test_duplicated_client_ids_are_refused_at_load_naming_both_lines(folder: Path) -> None:
    frame = pd.read_csv(folder / TEST, dtype=str, keep_default_na=False)
    repeated = frame.loc[4, schema.ID_CURR]
    frame.loc[9, schema.ID_CURR] = repeated
    frame.to_csv(folder / TEST, index=False)
    with pytest.raises(SchemaError) as caught:
        load_tables(folder)
    assert str(caught.value) == (
        f"{TEST}: column SK_ID_CURR must be unique (one row per client); got {repeated} on lines 6 and 11 "
        "(1 repeated id(s))"
    )


def test_duplicated_ids_in_parquet_name_the_rows(folder: Path) -> None:
    frame = pd.read_csv(folder / TEST)
    frame.loc[3, schema.ID_CURR] = frame.loc[0, schema.ID_CURR]
    frame.to_parquet(folder / f"{schema.APPLICATION_TEST}.parquet", index=False)
    with pytest.raises(SchemaError, match=r"on rows 1 and 4"):
        read_table(folder / f"{schema.APPLICATION_TEST}.parquet", schema.APPLICATION_TEST)
