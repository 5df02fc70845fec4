"""CSV writer (entry_points/synthetic/writer.py): files, headers, dtypes and CSV format of the real samples,
atomic (re)writes of the output folder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from custom_model import schema
from custom_model.errors import DataSourceError
from custom_model.io import load_tables
from entry_points import synthetic


def _t(data: synthetic.SyntheticData, name: str) -> pd.DataFrame:
    return data.tables[name]


# --- files, headers, dtypes, CSV format -----------------------------------------------------------
def test_writes_the_eight_tables_and_the_oracle_beside_them(written: Path) -> None:
    names = sorted(p.name for p in written.iterdir())
    assert names == sorted([schema.table(n).filename for n in schema.TABLE_NAMES] + ["oracle.csv"])
    assert not [p for p in written.parent.iterdir() if p.name.startswith(".")], "temporary folder left behind"


@pytest.mark.parametrize("name", schema.TABLE_NAMES)
def test_header_is_byte_identical_to_the_real_sample(written: Path, samples_dir: Path, name: str) -> None:
    filename = schema.table(name).filename
    ours = (written / filename).read_bytes().split(b"\n", 1)[0]
    real = (samples_dir / filename).read_bytes().split(b"\n", 1)[0]
    assert ours == real


@pytest.mark.parametrize("name", schema.TABLE_NAMES)
def test_read_back_dtypes_equal_the_real_samples_and_the_schema(
    written: Path, samples_dir: Path, name: str
) -> None:
    filename = schema.table(name).filename
    ours = pd.read_csv(written / filename)
    real = pd.read_csv(samples_dir / filename)
    assert {c: str(t) for c, t in ours.dtypes.items()} == schema.table(name).dtypes
    assert list(ours.dtypes.astype(str)) == list(real.dtypes.astype(str))


def test_smallest_scale_still_reads_back_with_the_schema_dtypes(tmp_path: Path) -> None:
    synthetic.write_tables(
        synthetic.generate_tables(synthetic.MIN_SCALE, 2, progress=lambda _: None), tmp_path / "d"
    )
    for name in schema.TABLE_NAMES:
        frame = pd.read_csv(tmp_path / "d" / schema.table(name).filename)
        assert {c: str(t) for c, t in frame.dtypes.items()} == schema.table(name).dtypes, name


def test_csv_writer_matches_pandas_on_tricky_values(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "A": pd.Categorical(["Stone, brick", None, 'say "hi"', "Panel"]),
            "B": [202500.0, np.nan, 0.1 + 0.2, -153.0],
            "C": np.array([1, -2, 365243, 0], dtype=np.int64),
            "D": [0.0001, 117000000.0, 1700.325, 0.08303696739132256],
        }
    )
    path = tmp_path / "t.csv"
    synthetic.write_csv(frame, path)
    assert path.read_bytes() == (
        b'A,B,C,D\n"Stone, brick",202500.0,1,0.0001\n,,-2,117000000.0\n'
        b'"say ""hi""",0.30000000000000004,365243,1700.325\nPanel,-153.0,0,0.08303696739132256\n'
    )
    assert path.read_bytes() == frame.to_csv(index=False, lineterminator="\n").encode()


@pytest.mark.parametrize("name", schema.TABLE_NAMES)
def test_written_file_is_byte_identical_to_pandas_to_csv(
    data: synthetic.SyntheticData, written: Path, name: str
) -> None:
    expected = _t(data, name).to_csv(index=False, lineterminator="\n").encode()
    assert (written / schema.table(name).filename).read_bytes() == expected


def test_quotes_only_fields_that_need_it(written: Path) -> None:
    text = (written / "application_train.csv").read_text()
    assert '"Stone, brick"' in text
    assert '"Cash loans"' not in text and ",Cash loans," in text
    assert "\r" not in text


def test_in_memory_tables_equal_what_the_loader_reads_back(
    data: synthetic.SyntheticData, written: Path
) -> None:
    loaded = load_tables(written)
    in_memory = data.to_tables()
    for name in schema.TABLE_NAMES:
        pd.testing.assert_frame_equal(in_memory.get(name), loaded.get(name), check_exact=True)


def test_rewriting_a_generated_folder_replaces_it(tmp_path: Path) -> None:
    out = tmp_path / "out"
    synthetic.write_tables(synthetic.generate_tables(0.002, 1, progress=lambda _: None), out)
    first = (out / "bureau.csv").read_bytes()
    synthetic.write_tables(synthetic.generate_tables(0.002, 2, progress=lambda _: None), out)
    assert (out / "bureau.csv").read_bytes() != first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_refuses_to_replace_a_folder_with_foreign_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    with pytest.raises(DataSourceError, match=r"notes\.txt"):
        synthetic.write_tables(synthetic.generate_tables(0.002, 1, progress=lambda _: None), out)
    assert (out / "notes.txt").read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
