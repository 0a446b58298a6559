"""Helpers for the UI tests (driving the real widgets)."""

from __future__ import annotations


def open_case_by_click(qtbot, window, reference: str) -> None:
    """Click the case's row in the case list, as a reviewer would."""
    from PySide6.QtCore import Qt

    row = window.case_list.row_of_reference(reference)
    assert row >= 0, reference
    view = window.case_list.view
    rect = view.visualRect(window.case_list.proxy.index(row, 0))
    qtbot.mouseClick(view.viewport(), Qt.LeftButton, pos=rect.center())
    qtbot.waitUntil(
        lambda: window.session.case is not None and window.session.case.reference == reference, timeout=10_000
    )


def wait_for_frame(qtbot, window, position_ms: int | None = None, timeout: int = 15_000) -> None:
    player = window.player

    def ok():
        if player.surface.image is None or player.failed:
            return False
        frame = player.player.last_frame
        return position_ms is None or (
            frame is not None and frame.position_ms == position_ms and player.position_ms == position_ms
        )

    qtbot.waitUntil(ok, timeout=timeout)


def add_finding_with_still(qtbot, window, note: str, theme_key=None) -> None:
    """From the video, as a reviewer does: F, (a theme's key letter,) the note, tick 'still', Ctrl+Enter."""
    from PySide6.QtCore import Qt

    surface = window.player.surface
    surface.setFocus()
    qtbot.keyClick(surface, Qt.Key_F)
    qtbot.waitUntil(
        lambda: window.finding_editor is not None and window.finding_editor.isVisible(), timeout=5_000
    )
    editor = window.finding_editor
    if theme_key is not None:
        qtbot.keyClick(editor.theme, theme_key)
    editor.note.setFocus()
    qtbot.keyClicks(editor.note, note)
    editor.capture.setChecked(True)
    qtbot.keyClick(editor.note, Qt.Key_Return, Qt.ControlModifier)
