"""The transport bar shows reverse play and the real speed; the player shows the recorded time (issue 11)."""

from __future__ import annotations

from ui_fixtures import case_with_clip, clip_path, make_window  # noqa: F401  (fixtures)
from ui_helpers import open_case_by_click, wait_for_frame

from cctv_review.ui.transport import recorded_text, transport_text


def test_transport_text():
    assert transport_text(True, 2.0, 0.0) == "▶ 2x"
    assert transport_text(False, 1.0, 0.0) == "❚❚ 1x"
    assert transport_text(False, 1.0, 4.0) == "◀◀ −4x"  # the reverse speed, not the forward one
    assert recorded_text(None, 0) == ""


def test_j_shows_reverse_and_its_real_speed_in_the_transport(
    qtbot, make_window, store, template, case_with_clip
):
    window = make_window(store, template)
    open_case_by_click(qtbot, window, "CR-001")
    wait_for_frame(qtbot, window, 0)
    player, status = window.player, window.transport_status
    player.surface.setFocus()
    player.seek(8000)
    wait_for_frame(qtbot, window, 8000)
    assert status.state_label.text() == "❚❚ 1x" and not status.reverse
    from PySide6.QtCore import Qt

    qtbot.keyClick(player.surface, Qt.Key_J)
    assert status.reverse and status.state_label.text() == "◀◀ −1x"
    qtbot.keyClick(player.surface, Qt.Key_J)
    assert status.state_label.text() == "◀◀ −2x"
    # While frames come in backwards the transport and the status bar keep saying so.
    start = player.position_ms
    qtbot.waitUntil(lambda: player.position_ms <= start - 600, timeout=10_000)
    assert status.state_label.text() == "◀◀ −2x" and window.speed_label.text().startswith("-2x")
    assert status.recorded_label.text() == recorded_text(
        player.clip, player.position_ms, window.session.zone()
    )
    # The same rule as the status bar, stills and exports: the store's zone, with its abbreviation.
    assert status.recorded_label.text().endswith((" GMT", " BST"))
    qtbot.keyClick(player.surface, Qt.Key_K)
    assert not status.reverse and status.state_label.text() == "❚❚ 1x"
    qtbot.keyClick(player.surface, Qt.Key_L)
    qtbot.waitUntil(lambda: status.state_label.text() == "▶ 1x", timeout=5_000)
    qtbot.keyClick(player.surface, Qt.Key_L)
    qtbot.waitUntil(lambda: status.state_label.text() == "▶ 2x", timeout=5_000)
    qtbot.keyClick(player.surface, Qt.Key_K)
