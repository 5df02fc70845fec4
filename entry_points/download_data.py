"""Download the OpenClassrooms Home Credit zip, extract the table CSVs, validate them; nothing half-written.

The zip is streamed into a hidden ``.part`` file in the output folder and renamed only once every byte
announced by Content-Length arrived and ``zipfile.testzip`` passed. The CSVs are extracted into a hidden
temporary folder, validated against the schema, then moved into place. A failure leaves the folder as it was.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
import tempfile
import time
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import requests
from tqdm import tqdm

from custom_model import schema
from custom_model.contract import RAW_DATA_DIR
from custom_model.errors import DataSourceError
from custom_model.io import read_table, tables_in_archive
from entry_points._cli import DEBUG_EPILOG, configure_logging, run_entry_point

logger = logging.getLogger(__name__)

DEFAULT_URL = (
    "https://s3-eu-west-1.amazonaws.com/static.oc-static.com/prod/courses/files/Parcours_data_scientist/"
    "Projet+-+Impl%C3%A9menter+un+mod%C3%A8le+de+scoring/Projet+Mise+en+prod+-+home-credit-default-risk.zip"
)
#: Name of the downloaded archive inside the output folder (kept: it is also a valid `load_tables` source).
ARCHIVE_NAME = "home-credit-default-risk.zip"
DEFAULT_TIMEOUT_S = 60.0
_CHUNK = 1 << 20
_PROGRESS_STEP = 10


def run(url: str, output_dir: Path, *, timeout: float = DEFAULT_TIMEOUT_S) -> list[Path]:
    """Download, extract and validate; return the paths of the extracted table CSVs."""
    output_dir.mkdir(parents=True, exist_ok=True)
    archive = download(url, output_dir / ARCHIVE_NAME, timeout=timeout)
    return extract_tables(archive, output_dir)


def download(url: str, target: Path, *, timeout: float = DEFAULT_TIMEOUT_S) -> Path:
    """Stream ``url`` to ``target`` through a temporary file renamed only when complete and a valid zip."""
    with _temporary_file(target.parent, suffix=".part") as part:
        expected, received = _fetch(url, part, timeout)
        if expected is not None and received != expected:
            raise DataSourceError(f"{url}: truncated download: received {received:,} of {expected:,} bytes")
        _check_zip(part, url)
        part.chmod(0o644)  # mkstemp creates 0600; the archive is an ordinary data file
        os.replace(part, target)
    logger.info("downloaded %s (%s bytes) to %s", url, f"{received:,}", target)
    return target


def extract_tables(archive: Path, output_dir: Path) -> list[Path]:
    """Extract the table CSVs flat into ``output_dir`` after validating them in a temporary folder."""
    with _temporary_dir(output_dir) as staging:
        try:
            with zipfile.ZipFile(archive) as zf:
                members = tables_in_archive(zf, str(archive))
                _require_application_tables(members, archive)
                for name, info in members.items():
                    with zf.open(info) as src, (staging / schema.table(name).filename).open("wb") as dst:
                        shutil.copyfileobj(src, dst, _CHUNK)
        except DataSourceError:
            raise
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as exc:
            raise DataSourceError(
                f"{archive}: cannot extract (corrupt archive or disk full?): {exc}"
            ) from exc
        for name in members:
            read_table(staging / schema.table(name).filename, name)  # raises our error naming file and column
        extracted = []
        for name in members:
            filename = schema.table(name).filename
            os.replace(staging / filename, output_dir / filename)
            extracted.append(output_dir / filename)
    logger.info("extracted and validated %d tables into %s", len(extracted), output_dir)
    return extracted


def _fetch(url: str, out_path: Path, timeout: float) -> tuple[int | None, int]:
    """Stream the body into ``out_path``; return (Content-Length or None, bytes received)."""
    expected: int | None = None
    try:
        with requests.get(url, stream=True, timeout=(timeout, timeout)) as response:
            if response.status_code != 200:
                raise DataSourceError(f"{url}: HTTP {response.status_code} {response.reason}")
            length = response.headers.get("Content-Length", "")
            encoded = response.headers.get("Content-Encoding", "identity") != "identity"
            # Under a content encoding Content-Length counts encoded bytes; testzip still guards the file.
            expected = int(length) if length.isdigit() and not encoded else None
            with out_path.open("wb") as out:
                received = _copy(response.iter_content(_CHUNK), out, expected)
    except requests.Timeout as exc:
        raise DataSourceError(f"{url}: no answer within {timeout:g} s ({exc})") from exc
    except requests.RequestException as exc:
        if expected is None and not out_path.stat().st_size:
            raise DataSourceError(f"{url}: connection failed ({exc})") from exc
        announced = f" the {expected:,} announced bytes arrived" if expected is not None else " the end"
        raise DataSourceError(
            f"{url}: truncated download: the connection broke before{announced} ({exc})"
        ) from exc
    return expected, received


def _copy(chunks: Iterator[bytes], out: IO[bytes], expected: int | None) -> int:
    """Write chunks, logging every 10 % (and a bar on a terminal); return the byte count."""
    received = 0
    next_step = _PROGRESS_STEP
    start = time.perf_counter()
    with tqdm(total=expected, unit="B", unit_scale=True, disable=not sys.stderr.isatty()) as bar:
        for chunk in chunks:
            out.write(chunk)
            received += len(chunk)
            bar.update(len(chunk))
            if expected and received * 100 >= next_step * expected:
                percent = received * 100 // expected
                logger.info(
                    "%d %% (%s / %s bytes, %.0f s)",
                    percent,
                    f"{received:,}",
                    f"{expected:,}",
                    time.perf_counter() - start,
                )
                next_step = (percent // _PROGRESS_STEP + 1) * _PROGRESS_STEP
    return received


def _check_zip(path: Path, url: str) -> None:
    """Reject a file that is not a complete zip (every member's CRC checked)."""
    try:
        with zipfile.ZipFile(path) as zf:
            bad = zf.testzip()
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as exc:
        raise DataSourceError(
            f"{url}: downloaded file is not a valid zip (truncated or corrupt): {exc}"
        ) from exc
    if bad is not None:
        raise DataSourceError(f"{url}: downloaded zip is corrupt: member {bad} fails its CRC check")


def _require_application_tables(members: dict[str, zipfile.ZipInfo], archive: Path) -> None:
    """Fail before extracting anything when an application table is absent."""
    for name, table in schema.TABLES.items():
        if table.required and name not in members:
            found = ", ".join(sorted(schema.table(n).filename for n in members)) or "no table CSVs"
            raise DataSourceError(f"{archive}: missing {table.filename} (found {found})")


@contextmanager
def _temporary_file(folder: Path, *, suffix: str) -> Iterator[Path]:
    """A hidden temporary file in ``folder`` (renamed by the caller on success), removed otherwise."""
    fd, name = tempfile.mkstemp(dir=folder, prefix=".download-", suffix=suffix)
    os.close(fd)
    path = Path(name)
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)


@contextmanager
def _temporary_dir(folder: Path) -> Iterator[Path]:
    """A hidden staging folder inside ``folder`` (same filesystem: moves are atomic), always removed."""
    path = Path(tempfile.mkdtemp(dir=folder, prefix=".extract-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line arguments (the MLproject entry point passes --url and --output-dir)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], epilog=DEBUG_EPILOG)
    parser.add_argument(
        "--url", default=DEFAULT_URL, help="zip to download (default: the OpenClassrooms file)"
    )
    parser.add_argument("--output-dir", type=Path, default=RAW_DATA_DIR, help="folder receiving the CSVs")
    parser.add_argument(
        "--timeout", type=float, default=DEFAULT_TIMEOUT_S, help="seconds to wait for a connection or data"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the download; a one-line error and exit code 1 on failure (traceback with --debug)."""
    return run_entry_point("download_data", _main, argv)


def _main(argv: list[str]) -> int:
    configure_logging()
    args = parse_args(argv)
    paths = run(args.url, args.output_dir, timeout=args.timeout)
    print(f"{len(paths)} tables ready in {args.output_dir}: {', '.join(p.name for p in paths)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
