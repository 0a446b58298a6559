"""The main window's menus, toolbar and actions.

Every key shown in a menu comes from :data:`cctv_review.ui.shortcuts.SHORTCUTS`
(the one table that also fills Help > Keyboard shortcuts).  Menu-scope keys
are carried by the actions here; player and window keys are ``QShortcut``\\ s
(see :func:`~cctv_review.ui.shortcuts.install_shortcuts`), so their actions
only show the key.  The Playback menu is generated from the table too and
calls the player widget's own methods.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QStyle, QWidget

from cctv_review.ui.shortcuts import SHORTCUTS, command_slot, display_keys, spec_for

if TYPE_CHECKING:
    from cctv_review.ui.main_window import MainWindow


@dataclass
class WindowActions:
    """The window's actions (tests trigger them; the window enables them)."""

    new_case_action: QAction
    add_clip_action: QAction
    export_action: QAction
    quit_action: QAction
    complete_action: QAction
    reopen_action: QAction
    add_finding_action: QAction
    find_case_action: QAction
    workspace_action: QAction
    summary_action: QAction
    shortcuts_action: QAction
    about_action: QAction
    activity_masks_action: QAction
    play_action: QAction | None
    go_to_time_action: QAction | None = None

    def update(self, case_open: bool, locked: bool) -> None:
        """Enable what makes sense for the open case (none, in progress or completed)."""
        self.add_clip_action.setEnabled(case_open)
        self.complete_action.setEnabled(case_open and not locked)
        self.reopen_action.setEnabled(case_open and locked)
        self.add_finding_action.setEnabled(case_open and not locked)
        if self.go_to_time_action is not None:
            self.go_to_time_action.setEnabled(case_open)

    def show_playing(self, playing: bool, window: QWidget) -> None:
        """The toolbar's play button shows pause while playing."""
        if self.play_action is not None:
            icon = QStyle.StandardPixmap.SP_MediaPause if playing else QStyle.StandardPixmap.SP_MediaPlay
            self.play_action.setIcon(window.style().standardIcon(icon))


def _action(
    window: QWidget,
    text: str,
    slot: Callable[[], object],
    command: str | None = None,
    icon: QStyle.StandardPixmap | None = None,
) -> QAction:
    action = QAction(text, window)
    if icon is not None:
        action.setIcon(window.style().standardIcon(icon))
    if command:
        spec = spec_for(command)
        if spec.scope == "menu":
            action.setShortcuts([QKeySequence(k) for k in spec.keys])
        else:
            # The key itself is a QShortcut (see shortcuts.py); show it in the menu.
            action.setText(f"{text}\t{display_keys(spec)}")
            action.setIconText(text.replace("&", ""))
            action.setToolTip(f"{text.replace('&', '')} ({display_keys(spec)})")
    action.triggered.connect(lambda _checked=False: slot())
    return action


def build_actions(window: MainWindow) -> WindowActions:
    """Create the actions, the menu bar and the toolbar of ``window``."""
    S = QStyle.StandardPixmap
    player = window.player
    a = WindowActions(
        new_case_action=_action(window, "&New case…", window.new_case, "new_case", S.SP_FileIcon),
        add_clip_action=_action(
            window, "&Add clip…", window.footage.add_clip, "add_clip", S.SP_DialogOpenButton
        ),
        export_action=_action(window, "&Export…", window.export, icon=S.SP_DialogSaveButton),
        quit_action=_action(window, "&Quit", window.close),
        complete_action=_action(
            window, "&Complete case", window.complete_case, "complete_case", S.SP_DialogApplyButton
        ),
        reopen_action=_action(window, "&Reopen case…", window.reopen_case),
        add_finding_action=_action(
            window, "Add &finding", window.add_finding, "add_finding", S.SP_FileDialogDetailedView
        ),
        find_case_action=_action(window, "&Find case…", window.find_case, "find_case"),
        workspace_action=_action(window, "Case &workspace", window.show_workspace, "show_workspace"),
        summary_action=_action(
            window, "&Summary", window.show_summary, "show_summary", S.SP_FileDialogInfoView
        ),
        shortcuts_action=_action(window, "&Keyboard shortcuts", window.show_shortcuts, "show_shortcuts"),
        about_action=_action(window, "&About cctv-review", window.about),
        activity_masks_action=_action(
            window, "Regions to &ignore for activity…", window.footage.edit_activity_masks
        ),
        play_action=None,
    )
    a.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
    a.go_to_time_action = _action(window, "&Go to time…", window.go_to_time, "go_to_time")

    menu = window.menuBar()
    file_menu = menu.addMenu("&File")
    for action in (a.new_case_action, a.add_clip_action, a.export_action):
        file_menu.addAction(action)
    file_menu.addSeparator()
    file_menu.addAction(a.quit_action)
    case_menu = menu.addMenu("&Case")
    for action in (a.add_finding_action, a.complete_action, a.reopen_action):
        case_menu.addAction(action)
    play_menu = menu.addMenu("&Playback")
    for spec in SHORTCUTS:
        if spec.scope != "player":
            continue
        action = _action(window, spec.description, command_slot(player, spec))
        action.setText(f"{spec.description}\t{display_keys(spec)}")
        action.setIconText(spec.description)
        action.setToolTip(f"{spec.description} ({display_keys(spec)})")
        play_menu.addAction(action)
        if spec.command == "toggle_play":
            a.play_action = action
            action.setIcon(window.style().standardIcon(S.SP_MediaPlay))
    play_menu.addSeparator()
    play_menu.addAction(a.go_to_time_action)
    play_menu.addAction(a.activity_masks_action)
    view_menu = menu.addMenu("&View")
    for action in (a.workspace_action, a.summary_action, a.find_case_action):
        view_menu.addAction(action)
    help_menu = menu.addMenu("&Help")
    help_menu.addAction(a.shortcuts_action)
    help_menu.addAction(a.about_action)

    toolbar = window.addToolBar("Main")
    toolbar.setObjectName("mainToolbar")
    toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    toolbar.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    for toolbar_action in (
        a.new_case_action,
        a.add_clip_action,
        a.play_action,
        a.add_finding_action,
        a.complete_action,
        a.summary_action,
        a.export_action,
    ):
        if toolbar_action is not None:
            toolbar.addAction(toolbar_action)
    for child in toolbar.findChildren(QWidget):
        child.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    return a
