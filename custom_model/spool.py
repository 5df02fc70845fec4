"""Append-only local spool of prediction events: the durable copy between an answer and the SQL sink.

Why: the sink (SQLite, PostgreSQL) can be slow, down or far away, and the process can be stopped or killed at
any time. Each scoring thread appends its request's events as one line to this process's own spool file
before the answer leaves (a `write` into the OS page cache, which survives a crash or `kill -9` of the
process); a sync thread fsyncs what was written in small groups (a few ms apart) so that a machine crash loses
at most the last group. The sink writer reads the spool back in order, so a slow sink only makes the spool
grow, up to a disk budget; past it new events are refused and counted, never silently lost.

Files, one set per process (token = pid + random suffix) in one folder:
``<token>.lock`` (held with flock while the process lives), ``<token>.<segment>.spool`` (records, rotated
every few MB and deleted once delivered) and ``<token>.ckpt`` (position delivered so far). At start-up another
process that can take the lock of a dead one adopts its files and replays them (see `adopt_orphans`).
A record is one line: ``<crc32 hex> <event count> <JSON>``; a torn last line (a machine crash mid-write)
is detected by its CRC and counted as lost.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import secrets
import threading
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from custom_model.errors import CreditScoringError

logger = logging.getLogger(__name__)

SEGMENT_BYTES = 8 * 1024 * 1024
SYNC_INTERVAL_S = 0.005
_SUFFIX = ".spool"


@dataclass(frozen=True, order=True)
class Position:
    """A place in a process's spool: segment number and byte offset inside it."""

    segment: int
    offset: int


@dataclass(frozen=True)
class Record:
    """One appended request: its payload, its event count and where the next record starts."""

    payload: dict[str, Any]
    events: int
    end: Position


@dataclass(frozen=True)
class ReadResult:
    """Records read from a spool, how many events torn (unreadable) records held, where reading stopped."""

    records: list[Record]
    torn_events: int
    end: Position


def encode_record(payload: dict[str, Any], events: int) -> bytes:
    """One spool line: CRC of the JSON, event count, JSON (NaN allowed: the reader is ours)."""
    body = json.dumps(payload, separators=(",", ":")).encode()
    return b"%08x %d " % (zlib.crc32(body), events) + body + b"\n"


def decode_record(line: bytes) -> tuple[dict[str, Any] | None, int]:
    """(payload, events) of one line; payload None when the line is torn (CRC or JSON broken)."""
    head, _, rest = line.partition(b" ")
    count, _, body = rest.partition(b" ")
    events = int(count) if count.isdigit() else 0
    if not line.endswith(b"\n") or len(head) != 8:
        return None, events
    body = body[:-1]
    try:
        if int(head, 16) != zlib.crc32(body):
            return None, events
        return json.loads(body), events
    except ValueError:
        return None, events


def segment_path(directory: Path, token: str, segment: int) -> Path:
    """File of one spool segment."""
    return directory / f"{token}.{segment:06d}{_SUFFIX}"


def segments(directory: Path, token: str) -> list[int]:
    """Segment numbers present for a token, in order."""
    numbers = []
    for path in directory.glob(f"{token}.*{_SUFFIX}"):
        number = path.name[len(token) + 1 : -len(_SUFFIX)]
        if number.isdigit():
            numbers.append(int(number))
    return sorted(numbers)


def read_checkpoint(directory: Path, token: str) -> Position:
    """Delivered position of a token's spool (start when none was written or it is unreadable)."""
    try:
        segment, offset = (directory / f"{token}.ckpt").read_text().split()
        return Position(int(segment), int(offset))
    except (OSError, ValueError):
        return Position(0, 0)


def write_checkpoint(directory: Path, token: str, position: Position) -> None:
    """Record the delivered position (atomic rename; no fsync: losing it only replays duplicates)."""
    target = directory / f"{token}.ckpt"
    temporary = target.with_suffix(".ckpt.tmp")
    temporary.write_text(f"{position.segment} {position.offset}")
    os.replace(temporary, target)


def read_records(
    directory: Path, token: str, start: Position, *, end: Position | None, max_events: int
) -> ReadResult:
    """Records after ``start`` up to ``end`` (None = to the end of the files, tolerating a torn tail).

    Stops once ``max_events`` events were read (at least one record is always returned when available).
    """
    records: list[Record] = []
    torn, events, consumed = 0, 0, start
    for segment in segments(directory, token):
        if segment < start.segment or (end is not None and segment > end.segment):
            continue
        offset = start.offset if segment == start.segment else 0
        limit = end.offset if end is not None and segment == end.segment else None
        with segment_path(directory, token, segment).open("rb") as handle:
            handle.seek(offset)
            while (limit is None or offset < limit) and events < max_events:
                line = handle.readline()
                if not line:
                    break
                offset += len(line)
                consumed = Position(segment, offset)
                payload, count = decode_record(line)
                if payload is None:
                    torn += count
                    continue
                records.append(Record(payload, count, Position(segment, offset)))
                events += count
        if events >= max_events:
            break
    return ReadResult(records, torn, consumed)


@dataclass
class Orphan:
    """The spool of a dead process, locked by us until it is replayed and removed."""

    directory: Path
    token: str
    lock_fd: int

    def remove(self) -> None:
        """Delete the orphan's files, then release its lock."""
        for segment in segments(self.directory, self.token):
            segment_path(self.directory, self.token, segment).unlink(missing_ok=True)
        (self.directory / f"{self.token}.ckpt").unlink(missing_ok=True)
        (self.directory / f"{self.token}.lock").unlink(missing_ok=True)
        os.close(self.lock_fd)

    def release(self) -> None:
        """Give the orphan back untouched (the next start replays it from its checkpoint)."""
        os.close(self.lock_fd)


def _try_lock(path: Path) -> int | None:
    """An fd holding an exclusive flock on ``path``, or None when another process holds it."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def adopt_orphans(directory: Path, own_token: str) -> list[Orphan]:
    """Lock the spools whose process is gone (their lock is free), oldest first."""
    orphans = []
    for lock in sorted(directory.glob("*.lock"), key=lambda p: p.stat().st_mtime):
        token = lock.name[: -len(".lock")]
        if token == own_token:
            continue
        fd = _try_lock(lock)
        if fd is not None:
            orphans.append(Orphan(directory, token, fd))
    return orphans


class Spool:
    """This process's spool: thread-safe appends, group fsync, in-order reads, delivered-position commits."""

    def __init__(
        self,
        directory: Path,
        *,
        budget_bytes: int,
        segment_bytes: int = SEGMENT_BYTES,
        sync_interval_s: float = SYNC_INTERVAL_S,
    ) -> None:
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise CreditScoringError(
                f"prediction log spool folder {directory}: cannot create it ({error})"
            ) from None
        self.directory = directory
        self.budget_bytes = budget_bytes
        self.token = f"{os.getpid()}-{secrets.token_hex(4)}"
        lock_fd = _try_lock(directory / f"{self.token}.lock")
        if lock_fd is None:
            raise CreditScoringError(
                f"prediction log spool folder {directory}: cannot write a lock file there"
            )
        self._lock_fd = lock_fd
        self._segment_bytes = segment_bytes
        self._sync_interval_s = sync_interval_s
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._sizes: dict[int, int] = {0: 0}
        self._fd: int | None = self._open_segment(0)
        self._written = Position(0, 0)
        self._delivered = Position(0, 0)
        self._dirty = False
        self._syncer = threading.Thread(target=self._sync_loop, name="prediction-spool-sync", daemon=True)
        self._syncer.start()

    def _open_segment(self, segment: int) -> int:
        """Open (create) a segment for appending."""
        path = segment_path(self.directory, self.token, segment)
        return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)

    @property
    def pending_bytes(self) -> int:
        """Bytes written but not yet delivered."""
        with self._lock:
            return self._pending_bytes_locked()

    def _pending_bytes_locked(self) -> int:
        return sum(size for seg, size in self._sizes.items() if seg >= self._delivered.segment) - (
            self._delivered.offset
        )

    def append(self, line: bytes) -> bool:
        """Write one encoded record; False (nothing written) past the disk budget or once closed."""
        with self._lock:
            if self._fd is None or self._pending_bytes_locked() + len(line) > self.budget_bytes:
                return False
            if self._written.offset and self._written.offset + len(line) > self._segment_bytes:
                self._rotate_locked()
            view = memoryview(line)
            while view:
                view = view[os.write(self._fd, view) :]
            segment = self._written.segment
            self._sizes[segment] += len(line)
            self._written = Position(segment, self._sizes[segment])
            self._dirty = True
            self._changed.notify_all()
        return True

    def _rotate_locked(self) -> None:
        """Start the next segment (the old one is fsynced first)."""
        assert self._fd is not None
        os.fsync(self._fd)
        os.close(self._fd)
        segment = self._written.segment + 1
        self._fd = self._open_segment(segment)
        self._sizes[segment] = 0
        self._written = Position(segment, 0)

    def _sync_loop(self) -> None:
        """fsync what was written, in groups at most every ``sync_interval_s``."""
        while True:
            with self._lock:
                while not self._dirty and self._fd is not None:
                    self._changed.wait(1.0)
                if self._fd is None:
                    return
                self._dirty = False
                fd = os.dup(self._fd)
            try:
                os.fsync(fd)
            except OSError as error:
                logger.error("prediction log spool: fsync failed (%s)", error)
            finally:
                os.close(fd)
            time.sleep(self._sync_interval_s)

    def wait_written(self, after: Position, timeout: float) -> Position:
        """Block until something was written after ``after`` (or timeout); return the written end."""
        with self._lock:
            if self._written <= after:
                self._changed.wait(timeout)
            return self._written

    def read(self, start: Position, *, max_events: int) -> list[Record]:
        """Complete records written after ``start`` (never a half-written one)."""
        with self._lock:
            end = self._written
        if end <= start:
            return []
        return read_records(self.directory, self.token, start, end=end, max_events=max_events).records

    def deliver(self, position: Position) -> None:
        """Everything before ``position`` reached the sink: checkpoint it, delete fully delivered segments."""
        write_checkpoint(self.directory, self.token, position)
        with self._lock:
            self._delivered = position
            done = [seg for seg in self._sizes if seg < position.segment]
            for seg in done:
                del self._sizes[seg]
        for seg in done:
            segment_path(self.directory, self.token, seg).unlink(missing_ok=True)

    def close(self, *, remove: bool) -> None:
        """Stop appending; delete the files if everything was delivered (else the next start replays them)."""
        with self._lock:
            fd, self._fd = self._fd, None
            self._changed.notify_all()
        if fd is not None:
            with contextlib.suppress(OSError):
                os.fsync(fd)
            os.close(fd)
        self._syncer.join(5)
        if remove:
            for seg in segments(self.directory, self.token):
                segment_path(self.directory, self.token, seg).unlink(missing_ok=True)
            (self.directory / f"{self.token}.ckpt").unlink(missing_ok=True)
            (self.directory / f"{self.token}.lock").unlink(missing_ok=True)
        os.close(self._lock_fd)


def iter_orphan_records(orphan: Orphan, *, max_events: int) -> Iterator[ReadResult]:
    """Read an orphan's undelivered records in chunks of about ``max_events`` events."""
    start = read_checkpoint(orphan.directory, orphan.token)
    while True:
        result = read_records(orphan.directory, orphan.token, start, end=None, max_events=max_events)
        if result.end == start:
            return
        yield result
        start = result.end
