"""Next / previous activity, in clip milliseconds, using the video engine's rules."""

from __future__ import annotations


def target_ms(scores: list[float], bin_ms: int, position_ms: int, forward: bool) -> int | None:
    """Where the next (or previous) active stretch starts, or None if there is none."""
    from cctv_review.video.activity import next_activity, previous_activity

    if not scores or bin_ms <= 0:
        return None
    # The engine works in bins ("seconds"); it expects the bin we are in.
    current = int(position_ms // bin_ms)
    # From inside an active stretch, "previous" goes to its start first (the engine's rule).
    found = next_activity(scores, current) if forward else previous_activity(scores, current)
    return None if found is None else int(found * bin_ms)
