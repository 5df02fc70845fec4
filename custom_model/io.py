"""Read the seven Home Credit tables (CSV folder, Kaggle/OpenClassrooms zip, parquet) as validated frames.

This is the only place files are parsed. Every table is checked against `custom_model.schema`:

- every declared column must be present (a missing one is a `SchemaError` naming the file and the column,
  with the closest extra column when it looks renamed); extra columns are dropped with a warning; columns come
  back in declared order;
- numeric columns must hold numbers (`SchemaError` with the bad value and its line); int columns come back as
  int64, or as float64 when they hold missing values (NaN cannot live in int64); floats stay float64 (never
  downcast: training and serving must see the same numbers);
- text columns are ``object`` in the application tables (what the served model receives) and ``category``
  in the child tables (memory: 27 M ``STATUS`` strings), with the declared levels first, in schema order;
- missing, empty, corrupt or truncated files raise `DataSourceError`; child tables are optional (None);
- gzip and bz2 CSVs (``<table>.csv.gz`` / ``.csv.bz2``, or a ``.csv`` whose content is compressed) are read
  as such; other compressed content (xz, zstd, zip) is refused with a message naming the file;
- ``TARGET`` must be 0 or 1 on every row, and ``SK_ID_CURR`` unique in each application table (`SchemaError`
  naming the file, the line and the value).

CSVs are parsed by pyarrow's multi-threaded reader with explicit column types (the engine behind
``pandas.read_csv(engine="pyarrow")``, used directly for dictionary columns and per-block error location).
An optional parquet cache keeps each validated table keyed by the source file's size and modification time.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import json
import logging
import os
import tempfile
import time
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import IO, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from custom_model import schema
from custom_model.errors import DataSourceError, SchemaError

logger = logging.getLogger(__name__)

#: Bump when the cached representation changes, so older caches are ignored.
CACHE_FORMAT = 1
_CACHE_METADATA_KEY = b"credit_scoring.cache_key"
_CSV_BLOCK_SIZE = 1 << 24
_HEADER_LINE = 1
#: The header line must fit in this many bytes (the widest real header, application_train, is ≈ 4 KB).
_HEADER_BYTES = 1 << 20
#: File suffixes of a table, in the order they are looked for in a folder.
_SUFFIXES: tuple[tuple[str, Kind], ...] = (
    ("csv", "csv"),
    ("csv.gz", "csv"),
    ("csv.bz2", "csv"),
    ("parquet", "parquet"),
)
#: First bytes of compressed content: read through Arrow's decompressor, or refused naming the format.
_READ_COMPRESSED = {b"\x1f\x8b": "gzip", b"BZh": "bz2"}
_REFUSED_COMPRESSED = {b"\xfd7zXZ\x00": "xz", b"\x28\xb5\x2f\xfd": "zstd", b"PK\x03\x04": "zip"}
_ARCHIVE_JUNK = ("__MACOSX/",)

Kind = Literal["csv", "parquet"]


@dataclass(frozen=True)
class Tables:
    """The seven tables of one data source; child tables are None when the source does not have them."""

    application_train: pd.DataFrame
    application_test: pd.DataFrame
    bureau: pd.DataFrame | None = None
    bureau_balance: pd.DataFrame | None = None
    previous_application: pd.DataFrame | None = None
    pos_cash_balance: pd.DataFrame | None = None
    installments_payments: pd.DataFrame | None = None
    credit_card_balance: pd.DataFrame | None = None

    def get(self, name: str) -> pd.DataFrame | None:
        """Return a table by its schema name (e.g. ``"POS_CASH_balance"``)."""
        schema.table(name)
        return getattr(self, name.lower())

    def present(self) -> tuple[str, ...]:
        """Schema names of the tables this source provides."""
        by_attr = {n.lower(): n for n in schema.TABLE_NAMES}
        return tuple(by_attr[f.name] for f in fields(self) if getattr(self, f.name) is not None)


@dataclass(frozen=True)
class _Member:
    """One table file of a source: how to name it in messages, open it and recognise it again."""

    label: str
    kind: Kind
    open: Callable[[], IO[bytes]]
    fingerprint: dict[str, object]


# ----------------------------------------------------------------------------------------------- public API


def loaded_dtypes(name: str) -> dict[str, str]:
    """pandas dtype of each column as the loader returns it (int columns holding NaN come back float64)."""
    table = schema.table(name)
    text = "object" if table.required else "category"
    return {c.name: (c.dtype if c.is_numeric else text) for c in table.columns}


def read_table(path: str | Path, name: str) -> pd.DataFrame:
    """Read and validate one table from a ``.csv`` or ``.parquet`` file."""
    table = schema.table(name)
    path = Path(path)
    if not path.is_file():
        raise DataSourceError(f"{path}: file not found (expected the {name} table as .csv or .parquet)")
    kind: Kind = "parquet" if path.suffix.lower() == ".parquet" else "csv"
    member = _file_member(path, kind)
    return _read_member(member, table, cache_dir=None)


def load_tables(
    source: str | Path,
    *,
    tables: Iterable[str] | None = None,
    cache_dir: Path | None = None,
) -> Tables:
    """Load and validate the tables of a CSV folder, a parquet folder or a Kaggle / OpenClassrooms zip.

    ``tables`` restricts the child tables read (the two application tables are always read: every consumer
    needs them); absent child tables are None. With ``cache_dir``, each validated CSV table is kept as
    ``<table>.parquet`` there and reused while the source file keeps its size and modification time.
    """
    frames = read_tables(source, _wanted(tables), cache_dir=cache_dir)
    return Tables(**{name.lower(): frames.get(name) for name in schema.TABLE_NAMES})


def read_tables(
    source: str | Path, names: Iterable[str], *, cache_dir: Path | None = None
) -> dict[str, pd.DataFrame | None]:
    """Read and validate exactly the tables ``names`` of ``source`` (as `load_tables`), by table name.

    An absent optional table is None, an absent application table an error. For a consumer of some child
    tables only (the history build block by block), which has no use for the application tables.
    """
    wanted = {schema.table(n).name for n in names}
    source = Path(source)
    cache = Path(cache_dir) if cache_dir is not None else None
    frames: dict[str, pd.DataFrame | None] = {}
    with ExitStack() as stack:
        members = _members(source, stack)
        for name in (n for n in schema.TABLE_NAMES if n in wanted):
            member = members.get(name)
            if member is None and schema.table(name).required:
                raise DataSourceError(
                    f"{source}: missing {schema.table(name).filename} (the application tables are required; "
                    f"found {', '.join(sorted(m.label for m in members.values())) or 'no table files'})"
                )
            if member is None:
                logger.info("%s: %s not found; continuing without it", source, schema.table(name).filename)
                frames[name] = None
            else:
                frames[name] = _read_member(member, schema.table(name), cache_dir=cache)
    return frames


# --------------------------------------------------------------------------------------------- source lookup


def available_tables(source: str | Path) -> tuple[str, ...]:
    """Names of the tables ``source`` (folder or zip) holds, in schema order: files found, nothing read."""
    with ExitStack() as stack:
        members = _members(Path(source), stack)
    return tuple(name for name in schema.TABLE_NAMES if name in members)


def _wanted(tables: Iterable[str] | None) -> set[str]:
    """Names of the tables to read: the requested ones plus the required application tables."""
    if tables is None:
        return set(schema.TABLE_NAMES)
    names = {schema.table(n).name for n in tables}
    return names | {n for n, t in schema.TABLES.items() if t.required}


def _members(source: Path, stack: ExitStack) -> dict[str, _Member]:
    """Map each table name to its file in ``source`` (folder or zip)."""
    try:
        if source.is_dir():
            return _folder_members(source)
        if source.is_file() and source.suffix.lower() == ".zip":
            return _zip_members(source, stack)
    except DataSourceError:
        raise
    except OSError as exc:
        raise DataSourceError(f"{source}: cannot list the data source: {exc}") from exc
    if source.is_file():
        raise DataSourceError(f"{source}: expected a folder of .csv/.parquet files or a .zip archive")
    raise DataSourceError(f"{source}: data folder or archive not found")


def _file_member(path: Path, kind: Kind) -> _Member:
    """Describe a plain file; its size and mtime identify its content for the cache."""
    stat = path.stat()
    return _Member(
        label=path.name,
        kind=kind,
        open=lambda: path.open("rb"),
        fingerprint={"path": str(path.resolve()), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns},
    )


def _folder_members(folder: Path) -> dict[str, _Member]:
    """Find ``<table>.csv`` (else ``.parquet``) at the root or in the one sub-folder holding them."""
    found = _tables_in(folder)
    if schema.APPLICATION_TRAIN in found:
        return found
    candidates = [
        d for d in sorted(folder.iterdir()) if d.is_dir() and schema.APPLICATION_TRAIN in _tables_in(d)
    ]
    if len(candidates) == 1:
        logger.info("reading the tables from sub-folder %s", candidates[0])
        return _tables_in(candidates[0])
    if len(candidates) > 1:
        raise DataSourceError(
            f"{folder}: several sub-folders hold the tables ({', '.join(d.name for d in candidates)}); "
            "point at one of them"
        )
    return found


def _tables_in(folder: Path) -> dict[str, _Member]:
    """Table files directly inside ``folder``."""
    found: dict[str, _Member] = {}
    for name in schema.TABLE_NAMES:
        for suffix, kind in _SUFFIXES:
            path = folder / f"{name}.{suffix}"
            if path.is_file():
                found[name] = _file_member(path, kind)
                break
    return found


def tables_in_archive(zf: zipfile.ZipFile, label: str) -> dict[str, zipfile.ZipInfo]:
    """Map table names to their CSV members, at the root of the zip or inside one of its folders.

    Other members (column descriptions, sample submission, an oracle file, macOS metadata) are ignored.
    """
    filenames = {schema.table(n).filename: n for n in schema.TABLE_NAMES}
    by_table: dict[str, list[zipfile.ZipInfo]] = {}
    for info in zf.infolist():
        parts = info.filename.split("/")
        if info.is_dir() or info.filename.startswith(_ARCHIVE_JUNK) or len(parts) > 2:
            continue
        if parts[-1] in filenames:
            by_table.setdefault(filenames[parts[-1]], []).append(info)
    for name, infos in by_table.items():
        if len(infos) > 1:
            places = ", ".join(i.filename for i in infos)
            raise DataSourceError(f"{label}: {schema.table(name).filename} appears several times ({places})")
    return {name: infos[0] for name, infos in by_table.items()}


def _zip_members(archive: Path, stack: ExitStack) -> dict[str, _Member]:
    """Describe the table CSVs of a zip; the archive stays open while the tables are read."""
    try:
        zf = stack.enter_context(zipfile.ZipFile(archive))
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise DataSourceError(f"{archive}: not a readable zip archive (corrupt or truncated): {exc}") from exc
    stat = archive.stat()
    return {
        name: _Member(
            label=f"{archive.name}:{info.filename}",
            kind="csv",
            open=lambda info=info: zf.open(info),
            fingerprint={
                "path": str(archive.resolve()),
                "size": stat.st_size,
                "mtime_ns": stat.st_mtime_ns,
                "member": info.filename,
                "crc": info.CRC,
            },
        )
        for name, info in tables_in_archive(zf, str(archive)).items()
    }


# ------------------------------------------------------------------------------------------------ reading


def _read_member(member: _Member, table: schema.Table, *, cache_dir: Path | None) -> pd.DataFrame:
    """Read one table file (through the cache when allowed), validate it and log rows and seconds."""
    start = time.perf_counter()
    key = _cache_key(member, table)
    cache_path = (
        cache_dir / f"{table.name}.parquet" if cache_dir is not None and member.kind == "csv" else None
    )
    frame = _read_cache(cache_path, key, table) if cache_path is not None else None
    origin = "parquet cache"
    if frame is None:
        try:
            if member.kind == "csv":
                frame = _to_pandas(_read_csv(_decompressed(member), table), table)
            else:
                frame = _to_pandas(_read_parquet(member, table), table)
        except DataSourceError:
            raise
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
            raise DataSourceError(f"{member.label}: archive member is corrupt or truncated: {exc}") from exc
        except OSError as exc:
            raise DataSourceError(f"{member.label}: cannot read file: {exc}") from exc
        if table.required and frame.empty:
            raise DataSourceError(f"{member.label}: no data rows (the application tables cannot be empty)")
        if table.required:
            csv_file = member.kind == "csv"
            first_row, unit = (_HEADER_LINE + 1, "line") if csv_file else (1, "row")
            _check_unique_ids(frame, member.label, first_row=first_row, unit=unit)
        origin = member.kind
        if cache_path is not None:
            _write_cache(cache_path, key, frame)
    logger.info(
        "%s: %s rows x %d columns in %.1f s (%s)",
        table.name,
        f"{len(frame):,}",
        frame.shape[1],
        time.perf_counter() - start,
        origin,
    )
    return frame


def _read_csv(member: _Member, table: schema.Table) -> pa.Table:
    """Parse a CSV with the declared types, falling back to a per-column check that names the bad value."""
    header = _read_header(member)
    _check_columns(header, table, member.label)
    names = list(table.column_names)
    read_options = pacsv.ReadOptions(block_size=_CSV_BLOCK_SIZE)
    typed = {c.name: _arrow_type(c, table) for c in table.columns}
    try:
        with member.open() as stream:
            arrow = pacsv.read_csv(stream, read_options=read_options, convert_options=_convert(names, typed))
    except pa.ArrowInvalid:
        # Slow path, only for files the fast typed read rejects: read numbers as text and locate the culprit.
        as_text = {c.name: (pa.string() if c.is_numeric else typed[c.name]) for c in table.columns}
        try:
            with member.open() as stream:
                arrow = pacsv.read_csv(
                    stream, read_options=read_options, convert_options=_convert(names, as_text)
                )
        except pa.ArrowInvalid as exc:
            raise DataSourceError(
                f"{member.label}: malformed CSV (truncated or ragged rows?): {exc}"
            ) from exc
    return _conform(arrow, table, member.label, first_row=_HEADER_LINE + 1, unit="line")


def _convert(names: list[str], types: dict[str, pa.DataType]) -> pacsv.ConvertOptions:
    """Only the declared columns, in declared order; empty text means missing (as in pandas)."""
    return pacsv.ConvertOptions(column_types=types, include_columns=names, strings_can_be_null=True)


def _read_header(member: _Member) -> list[str]:
    """Column names from the first line; DataSourceError for an empty or binary file."""
    with member.open() as stream:
        first = stream.read(_HEADER_BYTES).split(b"\n", 1)[0]
    if b"\x00" in first:
        raise DataSourceError(f"{member.label}: binary content (NUL bytes in the first line), not a CSV file")
    text = first.decode("utf-8-sig", errors="replace").strip("\r\n")
    if not text.strip():
        raise DataSourceError(
            f"{member.label}: empty file (expected a header line with the declared columns)"
        )
    try:
        return next(csv.reader([text]))
    except csv.Error as exc:
        raise DataSourceError(f"{member.label}: not a text CSV file (header line unreadable: {exc})") from exc


def _decompressed(member: _Member) -> _Member:
    """The member read through a gzip / bz2 decompressor when its content is compressed (whatever its name).

    Other compressed content is refused by name: parsing it as text would only give an unreadable header.
    """
    with member.open() as stream:
        head = stream.read(6)
    for magic, codec in _REFUSED_COMPRESSED.items():
        if head.startswith(magic):
            raise DataSourceError(
                f"{member.label}: {codec}-compressed content; decompress it first "
                "(plain, gzip and bz2 CSV files are read directly)"
            )
    for magic, codec in _READ_COMPRESSED.items():
        if head.startswith(magic):
            logger.info("%s: %s-compressed CSV", member.label, codec)
            return replace(
                member,
                open=lambda raw=member.open, codec=codec: pa.CompressedInputStream(
                    pa.PythonFile(raw(), mode="r"), codec
                ),
            )
    return member


def _read_parquet(member: _Member, table: schema.Table) -> pa.Table:
    """Read a parquet file and check its columns like a CSV header."""
    try:
        with member.open() as stream:
            arrow = pq.read_table(stream)
    except (pa.ArrowInvalid, OSError) as exc:
        raise DataSourceError(f"{member.label}: not a readable parquet file: {exc}") from exc
    _check_columns(list(arrow.column_names), table, member.label)
    arrow = arrow.select(list(table.column_names))
    return _conform(arrow, table, member.label, first_row=1, unit="row")


def _check_columns(found: list[str], table: schema.Table, label: str) -> None:
    """Every declared column present once; extra columns are dropped with a warning."""
    duplicates = sorted({c for c in found if found.count(c) > 1})
    if duplicates:
        raise SchemaError(f"{label}: duplicated column(s) {', '.join(duplicates)}")
    declared = set(table.column_names)
    extra = [c for c in found if c not in declared]
    missing = [c for c in table.column_names if c not in set(found)]
    if missing:
        close = difflib.get_close_matches(missing[0], extra, n=1, cutoff=0.75)
        hint = f"; found {close[0]!r} — renamed? expected {missing[0]!r}" if close else ""
        more = f" (and {len(missing) - 1} more: {', '.join(missing[1:6])})" if len(missing) > 1 else ""
        raise SchemaError(f"{label}: missing column {missing[0]}{more}{hint}")
    if extra:
        logger.warning("%s: ignoring %d undeclared column(s): %s", label, len(extra), ", ".join(extra[:10]))


def _arrow_type(column: schema.Column, table: schema.Table) -> pa.DataType:
    """Arrow type a column is parsed to: int64 / float64, text as string or dictionary (child tables)."""
    if column.dtype == "int64":
        return pa.int64()
    if column.dtype == "float64":
        return pa.float64()
    return pa.string() if table.required else pa.dictionary(pa.int32(), pa.string())


# ------------------------------------------------------------------------------------------ type checking


def _conform(arrow: pa.Table, table: schema.Table, label: str, *, first_row: int, unit: str) -> pa.Table:
    """Give every column its declared Arrow type, raising SchemaError on values that cannot be converted."""
    columns = [
        _conform_column(arrow.column(c.name), c, table, f"{label}: column {c.name}", first_row, unit)
        for c in table.columns
    ]
    for column, values in zip(table.columns, columns, strict=True):
        if column.kind == "target":
            _check_target(values, f"{label}: column {column.name}", first_row, unit)
    return pa.Table.from_arrays(columns, names=list(table.column_names))


def _check_target(values: pa.ChunkedArray, where: str, first_row: int, unit: str) -> None:
    """SchemaError unless every row is 0 or 1 (a missing or other label would be trained on silently)."""
    bad = pc.invert(pc.fill_null(pc.is_in(values, value_set=pa.array([0, 1], type=values.type)), False))
    if pc.any(bad).as_py():
        row = pc.index(bad, True).as_py()
        value = values[row].as_py()
        shown = "an empty value" if value is None else repr(value)
        raise SchemaError(f"{where} must be 0 or 1 on every row; got {shown} on {unit} {first_row + row}")


def _check_unique_ids(frame: pd.DataFrame, label: str, *, first_row: int, unit: str) -> None:
    """SchemaError naming the first repeated SK_ID_CURR and both of its lines (one row per client)."""
    ids = frame[schema.ID_CURR]
    repeated = ids.duplicated(keep=False).to_numpy()
    if not repeated.any():
        return
    rows = np.flatnonzero(repeated)
    value = ids.iloc[rows[0]]
    same = np.flatnonzero(ids.to_numpy() == value)
    n_ids = ids[repeated].nunique()
    raise SchemaError(
        f"{label}: column SK_ID_CURR must be unique (one row per client); got {value} on {unit}s "
        f"{first_row + same[0]} and {first_row + same[1]} ({n_ids:,} repeated id(s))"
    )


def _conform_column(
    values: pa.ChunkedArray, column: schema.Column, table: schema.Table, where: str, first_row: int, unit: str
) -> pa.ChunkedArray:
    """One column to its declared type; int columns holding missing values stay float64."""
    target = _arrow_type(column, table)
    if not column.is_numeric:
        kept_dictionary = pa.types.is_dictionary(values.type) and pa.types.is_dictionary(target)
        if values.type == target or (kept_dictionary and pa.types.is_string(values.type.value_type)):
            return values
        text = values.cast(pa.string())
        return text.dictionary_encode() if pa.types.is_dictionary(target) else text
    if values.type == target:
        return values
    numbers = _as_float(values, where, first_row, unit)
    if column.dtype == "float64":
        return numbers
    fractional = pc.not_equal(numbers, pc.floor(numbers))
    if pc.any(fractional).as_py():
        row = pc.index(fractional, True).as_py()
        raise SchemaError(
            f"{where} must hold integers; got {numbers[row].as_py()!r} on {unit} {first_row + row}"
        )
    if numbers.null_count:
        logger.info("%s has %d missing value(s): read as float64", where, numbers.null_count)
        return numbers
    return numbers.cast(pa.int64())


def _as_float(values: pa.ChunkedArray, where: str, first_row: int, unit: str) -> pa.ChunkedArray:
    """Convert to float64 block by block; SchemaError names the first non-numeric value and its line."""
    if pa.types.is_integer(values.type) or pa.types.is_floating(values.type) or pa.types.is_null(values.type):
        return values.cast(pa.float64())
    if pa.types.is_dictionary(values.type):
        values = values.cast(values.type.value_type)
    if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
        raise SchemaError(f"{where} must be numeric; got values of type {values.type}")
    chunks = []
    offset = 0
    for chunk in values.chunks:
        try:
            chunks.append(pc.cast(pc.utf8_trim_whitespace(chunk), pa.float64()))
        except pa.ArrowInvalid:
            text = chunk.to_pandas()
            numbers = pd.to_numeric(text, errors="coerce")
            bad = text.notna() & numbers.isna()
            if bad.any():
                row = int(bad.to_numpy().argmax())
                raise SchemaError(
                    f"{where} must be numeric; got {text.iloc[row]!r} on {unit} {first_row + offset + row}"
                ) from None
            chunks.append(pa.array(numbers.to_numpy(dtype="float64"), from_pandas=True))
        offset += len(chunk)
    return pa.chunked_array(chunks, type=pa.float64())


def _to_pandas(arrow: pa.Table, table: schema.Table) -> pd.DataFrame:
    """Arrow → pandas, then order category levels as declared (deterministic whatever the block layout)."""
    frame = arrow.to_pandas(split_blocks=True, self_destruct=True)
    for column in table.categorical():
        series = frame[column.name]
        if isinstance(series.dtype, pd.CategoricalDtype):
            unknown = sorted(set(series.cat.categories) - set(column.levels))
            if unknown:
                logger.warning("%s.%s: undeclared level(s) %s", table.name, column.name, unknown[:10])
            frame[column.name] = series.cat.set_categories([*column.levels, *unknown])
        else:
            # Arrow gives None for missing text; pandas (read_csv, the request frames) uses NaN.
            frame[column.name] = series.where(series.notna(), np.nan)
    return frame


# ------------------------------------------------------------------------------------------------- cache


def _cache_key(member: _Member, table: schema.Table) -> str:
    """Identify a source file and the schema it was validated against."""
    declared = [(c.name, c.dtype, c.levels) for c in table.columns]
    digest = hashlib.sha256(json.dumps(declared).encode()).hexdigest()[:16]
    return json.dumps({"format": CACHE_FORMAT, "schema": digest, **member.fingerprint}, sort_keys=True)


def _read_cache(path: Path, key: str, table: schema.Table) -> pd.DataFrame | None:
    """Return the cached table when it was written from the same source file; None otherwise."""
    if not path.is_file():
        return None
    try:
        metadata = pq.read_schema(path).metadata or {}
        if metadata.get(_CACHE_METADATA_KEY, b"").decode() != key:
            logger.info("%s: cache %s is stale; re-reading the source", table.name, path)
            return None
        arrow = pq.read_table(path).select(list(table.column_names))
        return _to_pandas(_conform(arrow, table, str(path), first_row=1, unit="row"), table)
    except (pa.ArrowException, OSError, KeyError, SchemaError) as exc:
        logger.warning("%s: ignoring unreadable cache %s (%s)", table.name, path, exc)
        return None


def _write_cache(path: Path, key: str, frame: pd.DataFrame) -> None:
    """Write the validated table atomically; a failure only costs the next load some time."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        arrow = pa.Table.from_pandas(frame, preserve_index=False)
        arrow = arrow.replace_schema_metadata(
            {**(arrow.schema.metadata or {}), _CACHE_METADATA_KEY: key.encode()}
        )
        with _temporary_beside(path) as tmp:
            pq.write_table(arrow, tmp)
            os.replace(tmp, path)
    except (OSError, pa.ArrowException) as exc:
        logger.warning("could not write cache %s: %s", path, exc)


@contextmanager
def _temporary_beside(path: Path) -> Iterator[Path]:
    """A temporary path beside the target (same filesystem: os.replace is atomic); always cleaned up."""
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
    finally:
        tmp.unlink(missing_ok=True)
