"""The local spool on its own: records with a checksum, segments read in order, delivered positions."""

from __future__ import annotations

from pathlib import Path

from custom_model.spool import (
    Position,
    Spool,
    decode_record,
    encode_record,
    read_checkpoint,
    read_records,
    write_checkpoint,
)


def test_a_record_round_trips_and_a_damaged_one_is_torn_with_its_event_count() -> None:
    line = encode_record({"ids": [1, 2, 3], "p": float("nan")}, 3)
    payload, events = decode_record(line)
    assert events == 3 and payload["ids"] == [1, 2, 3] and payload["p"] != payload["p"]  # NaN kept
    assert decode_record(line.replace(b"[1,2,3]", b"[1,2,4]")) == (None, 3)  # checksum mismatch
    assert decode_record(line[:-5]) == (None, 3)  # cut short: no newline


def test_appended_records_are_read_back_in_order_across_segments_from_a_position(tmp_path: Path) -> None:
    spool = Spool(tmp_path, budget_bytes=1_000_000, segment_bytes=120, sync_interval_s=0.001)
    for n in range(6):
        assert spool.append(encode_record({"n": n, "pad": "x" * 50}, 1))
    end = spool.wait_written(Position(0, 0), timeout=5)
    everything = read_records(tmp_path, spool.token, Position(0, 0), end=end, max_events=100)
    assert [r.payload["n"] for r in everything.records] == list(range(6)) and everything.torn_events == 0
    assert len({r.end.segment for r in everything.records}) > 1  # the 120-byte segments rotated
    third = everything.records[2].end
    rest = read_records(tmp_path, spool.token, third, end=end, max_events=2)
    assert [r.payload["n"] for r in rest.records] == [3, 4]  # from a position, at most max_events
    spool.close(remove=True)


def test_the_delivered_position_survives_in_the_checkpoint(tmp_path: Path) -> None:
    assert read_checkpoint(tmp_path, "t") == Position(0, 0)  # none yet: from the start
    write_checkpoint(tmp_path, "t", Position(2, 340))
    assert read_checkpoint(tmp_path, "t") == Position(2, 340)
    (tmp_path / "t.ckpt").write_text("garbage")
    assert read_checkpoint(tmp_path, "t") == Position(0, 0)  # unreadable: replay (duplicates are ignored)
