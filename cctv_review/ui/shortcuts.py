"""One table of keyboard shortcuts.

The same table creates the shortcuts and fills Help > Keyboard shortcuts, so
the documentation and the behaviour cannot drift apart.

Playback keys (``scope="player"``) work while the video area has focus (click
the picture, or press Esc/F6 to put the focus there) and never take keys from a
text box.  ``scope="window"`` keys work anywhere in the window except while
typing in a text box.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

JUMP_SECONDS = 10
LONG_JUMP_SECONDS = 60

#: Number keys and the playback speed they set.
SPEED_KEYS = {"1": 1.0, "2": 2.0, "3": 4.0, "4": 8.0, "5": 16.0, "0": 0.5, "9": 0.25}


@dataclass(frozen=True)
class ShortcutSpec:
    command: str  # method name: on the player widget ("player"), else on the main window
    keys: tuple[str, ...]
    description: str
    group: str
    scope: str = "player"  # "player" or "window"
    argument: object = None


SHORTCUTS: tuple[ShortcutSpec, ...] = (
    ShortcutSpec("toggle_play", ("Space",), "Play / pause", "Playback"),
    ShortcutSpec("step", ("Right",), "Next frame (pauses)", "Playback", argument=1),
    ShortcutSpec("step", ("Left",), "Previous frame (pauses)", "Playback", argument=-1),
    ShortcutSpec("jump", ("Ctrl+Right",), "Forward 1 second", "Playback", argument=1),
    ShortcutSpec("jump", ("Ctrl+Left",), "Back 1 second", "Playback", argument=-1),
    ShortcutSpec(
        "jump", ("Shift+Right",), f"Forward {JUMP_SECONDS} seconds", "Playback", argument=JUMP_SECONDS
    ),
    ShortcutSpec("jump", ("Shift+Left",), f"Back {JUMP_SECONDS} seconds", "Playback", argument=-JUMP_SECONDS),
    ShortcutSpec(
        "jump",
        ("Ctrl+Shift+Right",),
        f"Forward {LONG_JUMP_SECONDS} seconds",
        "Playback",
        argument=LONG_JUMP_SECONDS,
    ),
    ShortcutSpec(
        "jump",
        ("Ctrl+Shift+Left",),
        f"Back {LONG_JUMP_SECONDS} seconds",
        "Playback",
        argument=-LONG_JUMP_SECONDS,
    ),
    ShortcutSpec(
        "shuttle_forward", ("L",), "Shuttle: play forward; press again to go faster (up to 16x)", "Shuttle"
    ),
    ShortcutSpec("shuttle_stop", ("K",), "Shuttle: pause", "Shuttle"),
    ShortcutSpec(
        "shuttle_back", ("J",), "Shuttle: play backwards; press again to go faster (up to 16x)", "Shuttle"
    ),
    *(
        ShortcutSpec("set_speed", (key,), f"Speed {speed:g}x", "Speed", argument=speed)
        for key, speed in sorted(SPEED_KEYS.items(), key=lambda kv: kv[1])
    ),
    ShortcutSpec("next_activity", ("N",), "Next activity (skips still footage)", "Activity"),
    ShortcutSpec("previous_activity", ("P",), "Previous activity", "Activity"),
    ShortcutSpec("add_finding", ("F",), "Pause and add a finding at this moment", "Findings", scope="window"),
    ShortcutSpec("focus_video", ("F6",), "Put the keyboard focus on the video", "Window", scope="window"),
    ShortcutSpec("toggle_full_screen", ("F11",), "Full-screen video (Esc leaves)", "View", scope="window"),
    ShortcutSpec(
        "zoom_in",
        ("Ctrl+=", "Ctrl++"),
        "Zoom in on the picture (or Ctrl+wheel; drag to pan)",
        "View",
        scope="window",
    ),
    ShortcutSpec("zoom_out", ("Ctrl+-",), "Zoom out", "View", scope="window"),
    ShortcutSpec("zoom_reset", ("Ctrl+0",), "Whole picture (no zoom)", "View", scope="window"),
    ShortcutSpec("new_case", ("Ctrl+N",), "New case", "Window", scope="menu"),
    ShortcutSpec("add_clip", ("Ctrl+O",), "Add footage to the case", "Window", scope="menu"),
    ShortcutSpec("complete_case", ("Ctrl+Return",), "Complete the case", "Window", scope="menu"),
    ShortcutSpec("find_case", ("Ctrl+F",), "Search cases by reference", "Window", scope="menu"),
    ShortcutSpec("show_summary", ("Ctrl+2",), "Show the summary", "Window", scope="menu"),
    ShortcutSpec("show_workspace", ("Ctrl+1",), "Show the case workspace", "Window", scope="menu"),
    ShortcutSpec(
        "go_to_time", ("Ctrl+G",), "Go to a recorded time or a time in the clip", "Window", scope="menu"
    ),
    ShortcutSpec("show_shortcuts", ("F1",), "This list of keyboard shortcuts", "Window", scope="menu"),
    ShortcutSpec(
        "correct_clock",
        ("Ctrl+Shift+K",),
        "Correct the clip's clock from the clock burned into the picture",
        "Window",
        scope="menu",
    ),
)


def spec_for(command: str, argument: object = None) -> ShortcutSpec:
    for spec in SHORTCUTS:
        if spec.command == command and (argument is None or spec.argument == argument):
            return spec
    raise KeyError(command)


def install_shortcuts(player: QWidget, window_handler: object, window: QWidget) -> list[QShortcut]:
    """Create QShortcuts for the "player" and "window" entries of the table.

    Player keys call the method named by ``command`` on ``player`` (the
    player widget itself) and work only while the focus is in it or its
    children, so form controls keep their own keys.  Window keys call the
    method on ``window_handler`` from anywhere in ``window``.  Menu keys are
    carried by the menu actions (see :mod:`cctv_review.ui.actions`).
    """
    created = []
    for spec in SHORTCUTS:
        if spec.scope == "menu":
            continue
        is_player = spec.scope == "player"
        parent = player if is_player else window
        context = (
            Qt.ShortcutContext.WidgetWithChildrenShortcut if is_player else Qt.ShortcutContext.WindowShortcut
        )
        method = command_slot(player if is_player else window_handler, spec)
        for key in spec.keys:
            shortcut = QShortcut(QKeySequence(key), parent)
            shortcut.setContext(context)
            shortcut.setAutoRepeat(spec.command in ("step", "jump"))
            shortcut.activated.connect(method)
            created.append(shortcut)
    return created


def command_slot(handler: object, spec: ShortcutSpec) -> Callable[[], None]:
    """A no-argument callable running ``spec``'s command on ``handler`` (with its argument, if any)."""
    method = getattr(handler, spec.command)
    if spec.argument is None:
        return method
    argument = spec.argument
    return lambda: method(argument)


def display_keys(spec: ShortcutSpec) -> str:
    return ", ".join(QKeySequence(k).toString(QKeySequence.SequenceFormat.NativeText) for k in spec.keys)


class ShortcutsDialog(QDialog):
    """Help > Keyboard shortcuts, generated from :data:`SHORTCUTS`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        layout = QVBoxLayout(self)
        intro = QLabel(
            "Playback keys work while the video has the keyboard focus: click the picture or press F6. "
            "They never take keys from a text box, so typing a note is always safe."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.table = QTableWidget(len(SHORTCUTS), 3, self)
        self.table.setHorizontalHeaderLabels(["Key", "What it does", "Group"])
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 8)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for row, spec in enumerate(SHORTCUTS):
            self.table.setItem(row, 0, QTableWidgetItem(display_keys(spec)))
            self.table.setItem(row, 1, QTableWidgetItem(spec.description))
            self.table.setItem(row, 2, QTableWidgetItem(spec.group))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        layout.addWidget(self.table)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(640, 620)
