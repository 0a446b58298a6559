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
from PySide6.QtWidgets import QMenu, QStyle, QWidget

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
    # Review packages, second review and moderation (issue 14): see add_team_actions.
    export_package_action: QAction | None = None
    import_package_action: QAction | None = None
    assign_second_review_action: QAction | None = None
    moderate_action: QAction | None = None
    #: Case details and clips fixed afterwards (issue 10): set by :func:`_add_fixing_actions`.
    edit_case_action: QAction | None = None
    edit_clip_action: QAction | None = None
    relink_clip_action: QAction | None = None
    remove_clip_action: QAction | None = None
    go_to_time_action: QAction | None = None

    def update(self, case_open: bool, locked: bool) -> None:
        """Enable what makes sense for the open case (none, in progress or completed)."""
        self.add_clip_action.setEnabled(case_open)
        self.complete_action.setEnabled(case_open and not locked)
        self.reopen_action.setEnabled(case_open and locked)
        self.add_finding_action.setEnabled(case_open and not locked)
        if self.assign_second_review_action is not None:
            self.assign_second_review_action.setEnabled(case_open)
        for action in (self.edit_case_action, self.edit_clip_action, self.relink_clip_action):
            if action is not None:
                action.setEnabled(case_open)
        if self.remove_clip_action is not None:
            self.remove_clip_action.setEnabled(case_open and not locked)
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
            window, "&Add footage…", window.footage.add_footage, "add_clip", S.SP_DialogOpenButton
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
    _add_fixing_actions(window, a, case_menu)
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
    add_recorded_time_actions(window)
    add_team_actions(window, a, file_menu, case_menu)
    return a


def _top_menu(window: MainWindow, title: str, before: str = "") -> QMenu:
    """The menu bar's menu called ``title`` (ampersands ignored), made (before ``before``) if missing."""
    bar = window.menuBar()
    for action in bar.actions():
        menu = action.menu()
        if isinstance(menu, QMenu) and action.text().replace("&", "") == title.replace("&", ""):
            return menu
    new = QMenu(title, window)
    anchor = next((x for x in bar.actions() if x.text().replace("&", "") == before.replace("&", "")), None)
    if anchor is not None:
        bar.insertMenu(anchor, new)
    else:
        bar.addMenu(new)
    return new


def add_recorded_time_actions(window: MainWindow) -> None:
    """Playback > Correct clock… and Tools > Settings… (issue 10 item 1), kept on the window as
    ``correct_clock_action`` and ``settings_action``."""
    correct = _action(window, "Correct &clock…", window.correct_clock, "correct_clock")
    correct.setToolTip(
        "Type what the clock burned into this frame shows; every recorded time of the clip follows"
    )
    _top_menu(window, "&Playback").addAction(correct)
    settings = _action(window, "&Settings…", window.edit_settings)
    settings.setMenuRole(QAction.MenuRole.PreferencesRole)
    _top_menu(window, "&Tools", before="&Help").addAction(settings)
    window.correct_clock_action = correct
    window.settings_action = settings


@dataclass
class FigureActions:
    """Tools-menu actions of the supervisor's work (issue 14): samples and the reason-for-viewing rule."""

    sample_action: QAction
    viewing_reason_action: QAction  # checkable: the store asks for a reason for viewing
    view_footage_action: QAction


def tools_menu(window: QWidget) -> QMenu:
    """The window's Tools menu (made before Help if no one has made it yet)."""
    from PySide6.QtWidgets import QMainWindow

    assert isinstance(window, QMainWindow)
    return _top_menu(window, "&Tools", before="&Help")  # type: ignore[arg-type]


def build_figure_actions(window: MainWindow) -> FigureActions:
    """Add Tools > Draw a sample…, Ask for a reason for viewing and View footage… to ``window``."""
    a = FigureActions(
        sample_action=_action(window, "Draw a &sample…", window.draw_sample),
        viewing_reason_action=QAction("Ask for a &reason for viewing", window),
        view_footage_action=_action(window, "&View footage…", window.view_footage),
    )
    a.viewing_reason_action.setCheckable(True)
    a.viewing_reason_action.setChecked(window.session.viewing_reason_required())
    a.viewing_reason_action.setToolTip(
        "Ask why, the first time each case's footage is opened in a session, and keep the reason in the audit trail"
    )
    a.viewing_reason_action.toggled.connect(window.set_viewing_reason_required)
    menu = tools_menu(window)
    menu.addAction(a.sample_action)
    menu.addSeparator()
    menu.addAction(a.viewing_reason_action)
    menu.addAction(a.view_footage_action)
    return a


def add_team_actions(window: MainWindow, a: WindowActions, file_menu: QMenu, case_menu: QMenu) -> None:
    """File > Export/Import review package…, Case > Assign second review…, Moderate disagreements…"""
    a.export_package_action = _action(window, "Export review &package…", window.export_review_package)
    a.import_package_action = _action(window, "&Import review package…", window.import_review_package)
    a.assign_second_review_action = _action(window, "Assign &second review…", window.assign_second_review)
    a.moderate_action = _action(window, "&Moderate disagreements…", window.moderate)
    existing = file_menu.actions()
    if len(existing) >= 2:  # before the separator above Quit
        file_menu.insertActions(existing[-2], [a.export_package_action, a.import_package_action])
    else:
        file_menu.addActions([a.export_package_action, a.import_package_action])
    case_menu.addSeparator()
    case_menu.addAction(a.assign_second_review_action)
    case_menu.addAction(a.moderate_action)


def _add_fixing_actions(window: MainWindow, a: WindowActions, case_menu: QMenu) -> None:
    """Case > Edit case details…, and the clip's Edit / Relink / Remove (the current clip; also on the
    clip list's right-click menu)."""
    a.edit_case_action = _action(window, "Edit case &details…", window.edit_case)
    a.edit_clip_action = _action(window, "Edit c&lip…", window.footage.edit_clip)
    a.relink_clip_action = _action(window, "Re&link clip to moved file…", window.footage.relink_clip)
    a.remove_clip_action = _action(window, "Re&move clip…", window.footage.remove_clip)
    case_menu.addSeparator()
    case_menu.addAction(a.edit_case_action)
    case_menu.addSeparator()
    for action in (a.edit_clip_action, a.relink_clip_action, a.remove_clip_action):
        case_menu.addAction(action)
