"""The frame index is stored with the clip and built once for clips added before it existed."""

from __future__ import annotations

import numpy as np

from cctv_review.clips import add_clip_file, clip_index
from cctv_review.domain import Case
from cctv_review.store import Store


def test_index_saved_on_add_and_rebuilt_for_older_clips(tmp_path, numbered):
    path = numbered("h264_gop50")
    with Store(tmp_path / "review.sqlite", user="tester") as store:
        case = store.add_case(Case(reference="CR-1"))
        clip = add_clip_file(store, case.id, path, "Cell 4")
        record = store.clip_index_record(clip.id)
        assert record is not None and len(record["pts"]) == 8 * clip.frame_count
        ix = clip_index(store, clip)
        assert ix.frame_count == clip.frame_count == 300
        # A clip from before the index existed: built on first open, with progress, then stored.
        store.db.execute("DELETE FROM clip_index WHERE clip_id = ?", [clip.id])
        assert store.clip_index_record(clip.id) is None
        seen: list[float] = []
        again = clip_index(store, clip, progress=seen.append)
        assert seen and seen[-1] == 1.0
        assert np.array_equal(again.pts, ix.pts)
        assert store.clip_index_record(clip.id) is not None
