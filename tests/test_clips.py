import hashlib

import cv2
import numpy as np
import pytest

from cctv_review.cli import main
from cctv_review.domain import Case
from cctv_review.store import Store


def make_clip(path, frames=30, fps=10, size=(160, 120)):
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, size)
    assert writer.isOpened()
    for i in range(frames):
        image = np.full((size[1], size[0], 3), 40, np.uint8)
        cv2.putText(image, str(i), (10, 80), cv2.FONT_HERSHEY_SIMPLEX, 2, (255, 255, 255), 3)
        writer.write(image)
    writer.release()
    return path


@pytest.fixture
def db_with_case(tmp_path):
    db = tmp_path / "r.sqlite"
    with Store(db) as s:
        s.add_case(Case(reference="CR-7"))
    return db


def test_add_clip_probes_and_hashes_without_touching_the_file(tmp_path, db_with_case, capsys):
    clip_path = make_clip(tmp_path / "desk.avi")
    before = clip_path.read_bytes()
    code = main(
        [
            "--db",
            str(db_with_case),
            "add-clip",
            "CR-7",
            str(clip_path),
            "--camera",
            "Booking-in desk",
            "--recorded-start",
            "2026-03-01T22:15:00+00:00",
        ]
    )
    assert code == 0, capsys.readouterr().err
    assert "Added Booking-in desk to case CR-7: 160x120, 10 fps, 30 frames, 3.0 s" in capsys.readouterr().out
    with Store(db_with_case) as s:
        clip = s.list_clips()[0]
    assert clip.sha256 == hashlib.sha256(before).hexdigest() and clip.file_size == len(before)
    assert (clip.width, clip.height, clip.frame_count, clip.duration_ms) == (160, 120, 30, 3000)
    assert clip.codec == "MJPEG" and clip.recorded_start.isoformat() == "2026-03-01T22:15:00+00:00"
    assert clip_path.read_bytes() == before


def test_add_clip_refuses_what_is_not_video(tmp_path, db_with_case, capsys):
    text = tmp_path / "notes.mp4"
    text.write_text("this is a text file, not footage")
    assert main(["--db", str(db_with_case), "add-clip", "CR-7", str(text), "--camera", "Cell 2"]) == 2
    err = capsys.readouterr().err
    assert "notes.mp4" in err
    assert main(["--db", str(db_with_case), "add-clip", "CR-9", str(text), "--camera", "Cell 2"]) == 2
    assert "no case with reference CR-9" in capsys.readouterr().err
    with Store(db_with_case) as s:
        assert s.list_clips() == []


def test_verify_detects_changed_and_missing_clips(tmp_path, db_with_case, capsys):
    paths = [make_clip(tmp_path / f"cam{i}.avi") for i in range(3)]
    for i, path in enumerate(paths):
        assert main(["--db", str(db_with_case), "add-clip", "CR-7", str(path), "--camera", f"Cam {i}"]) == 0
    assert main(["--db", str(db_with_case), "verify"]) == 0
    assert "3 clips checked; all unchanged." in capsys.readouterr().out

    data = bytearray(paths[0].read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte in the middle of the footage
    paths[0].write_bytes(bytes(data))
    paths[2].unlink()
    assert main(["--db", str(db_with_case), "verify"]) == 1
    out = capsys.readouterr().out
    assert f"CHANGED    {paths[0]}" in out
    assert f"OK         {paths[1]}" in out
    assert f"MISSING    {paths[2]}" in out
    assert "3 clips checked; 2 problems." in out
    with Store(db_with_case) as s:
        last = s.audit_rows()[-1]
        assert last["action"] == "clips.verified" and '"status": "missing"' in last["detail"]


def test_hashing_reports_progress_and_can_be_cancelled(tmp_path, monkeypatch):
    from cctv_review import hashing

    data = bytes(range(256)) * 4096  # 1 MiB
    path = tmp_path / "blob.bin"
    path.write_bytes(data)
    monkeypatch.setattr(hashing, "CHUNK", 64 * 1024)
    seen = []
    assert hashing.sha256_file(path, progress=seen.append) == hashlib.sha256(data).hexdigest()
    assert len(seen) == 16 and seen == sorted(seen) and seen[-1] == 1.0
    calls = []
    with pytest.raises(hashing.HashCancelled):
        hashing.sha256_file(path, cancel=lambda: calls.append(1) or len(calls) >= 3)
    assert len(calls) == 3  # stopped at the third chunk, not at the end
