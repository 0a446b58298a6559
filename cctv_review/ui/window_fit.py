"""Keep the main window on its screen and usable on a 1366x768 laptop.

Three things made the window too big for small screens:

* its default size ignored the window frame (title bar, borders), so a window
  sized to the available area had its bottom, with the status bar, off-screen;
* a few one-line labels (the findings title, the form's progress, the
  player's clip time and the "Finding activity…" notice that appears while a
  new clip is scanned) set minimum widths as wide as their text, so the
  window's minimum width was about 1470 px, and it *widened itself* past the
  screen when the scan notice appeared after a clip was added;
* the form and the findings list were stacked in a splitter, leaving each too
  little height at 768 px.

:func:`fit_frame_to_screen` clamps the window's *frame* (not only its client
area) into the screen's available geometry; the main window calls it when it
is shown (a size remembered from a bigger screen is cut down too).  Growing
afterwards is prevented at the source: the layout's minimum width stays well
under 1366 px.  :func:`let_labels_shrink`
relaxes the labels' minimum widths.  :class:`SidePane` holds the form and the
findings: side by side in a vertical splitter when there is room, in two tabs
("Review form", "Findings") when the pane is shorter than
:data:`COMPACT_HEIGHT`.
"""

from __future__ import annotations

from PySide6.QtCore import QRect
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QProgressBar,
    QSplitter,
    QStackedLayout,
    QTabWidget,
    QWidget,
)

from cctv_review.ui.transport import let_shrink

#: Below this height (px) the side pane shows the form and the findings in tabs.
COMPACT_HEIGHT = 620
#: Hysteresis (px) so the pane does not flip between layouts at the threshold.
COMPACT_HYSTERESIS = 40


def frame_margins(window: QWidget) -> tuple[int, int, int, int]:
    """The window frame's (left, top, right, bottom) in px: 0s until the window is shown."""
    frame, geo = window.frameGeometry(), window.geometry()
    return (
        max(0, geo.left() - frame.left()),
        max(0, geo.top() - frame.top()),
        max(0, frame.right() - geo.right()),
        max(0, frame.bottom() - geo.bottom()),
    )


def fitted_geometry(frame: QRect, margins: tuple[int, int, int, int], available: QRect) -> QRect:
    """Where a window's frame goes to lie inside ``available``: the client rectangle to set.

    ``frame``: the frame rectangle now; ``margins``: its (left, top, right,
    bottom) border; the size is first cut to what fits, then the frame is
    moved inside.  Returns the *client* geometry (what ``setGeometry`` takes).
    """
    left, top, right, bottom = margins
    width = min(frame.width(), available.width())
    height = min(frame.height(), available.height())
    x = min(max(frame.x(), available.x()), available.x() + available.width() - width)
    y = min(max(frame.y(), available.y()), available.y() + available.height() - height)
    return QRect(x + left, y + top, width - left - right, height - top - bottom)


def fit_frame_to_screen(window: QWidget) -> bool:
    """Shrink and move ``window`` so its frame lies inside its screen's available area.

    Full-screen and maximised windows are left alone.  Returns True if the
    window was changed.
    """
    screen = window.screen()
    if screen is None or window.isFullScreen() or window.isMaximized():
        return False
    available = screen.availableGeometry()
    frame = window.frameGeometry()
    if available.contains(frame):
        return False
    target = fitted_geometry(frame, frame_margins(window), available)
    minimum = window.minimumSizeHint().expandedTo(window.minimumSize())
    if target.width() < minimum.width() or target.height() < minimum.height():
        # Cannot shrink below the layout's minimum: at least keep its top-left corner on screen.
        target.setSize(target.size().expandedTo(minimum))
    window.setGeometry(target)
    return True


def default_client_size(available: QRect, wanted: tuple[int, int] = (1560, 980)) -> tuple[int, int]:
    """A first-run client size: ``wanted``, cut to the available area less room for a frame.

    The frame is not known before the window is shown; 16 px across and
    48 px down cover the title bars and borders of Windows, GNOME and KDE
    (:func:`fit_frame_to_screen` corrects any remainder once shown).
    """
    return min(wanted[0], available.width() - 16), min(wanted[1], available.height() - 48)


def let_labels_shrink(labels: list[QLabel | None]) -> None:
    """Let these one-line labels be narrower than their text (see the module docstring)."""
    for label in labels:
        if label is not None:
            let_shrink(label)


def let_controls_shrink(widgets: list[QWidget | None]) -> None:
    """Let combo boxes and progress bars in a control bar be narrower than their longest item."""
    for widget in widgets:
        if isinstance(widget, QComboBox):
            widget.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            widget.setMinimumContentsLength(4)
        elif isinstance(widget, QProgressBar):
            widget.setMinimumWidth(30)


class SidePane(QWidget):
    """The review form and the findings: a vertical splitter, or two tabs when the pane is short.

    ``splitter`` (the roomy layout, whose sizes the window remembers) and
    ``tabs`` (the compact one) take turns holding the two widgets;
    :attr:`compact` says which is in use.  :meth:`set_compact` forces one
    (tests; the layout also follows the pane's height on every resize).
    """

    def __init__(
        self, form: QWidget, findings: QWidget, splitter: QSplitter, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("sidePane")
        self.form, self.findings, self.splitter = form, findings, splitter
        self.tabs = QTabWidget()
        self.tabs.setObjectName("sideTabs")
        self.tabs.setDocumentMode(True)
        self.stack = QStackedLayout(self)
        self.stack.setContentsMargins(0, 0, 0, 0)
        self.stack.addWidget(self.splitter)
        self.stack.addWidget(self.tabs)
        self.compact = False
        self._auto = True
        self._sizes: list[int] = []  # the splitter's sizes while the tabs are in use

    def set_compact(self, compact: bool, *, automatic: bool = False) -> None:
        """Show the form and the findings in tabs (True) or in the splitter (False)."""
        if not automatic:
            self._auto = False
        if compact == self.compact:
            return
        self.compact = compact
        current = self.tabs.currentIndex()
        if compact:
            sizes = self.splitter.sizes()
            self.tabs.addTab(self.form, "Review form")
            self.tabs.addTab(self.findings, "Findings")
            self.tabs.setCurrentIndex(max(0, current))
            self._sizes = sizes
            self.stack.setCurrentWidget(self.tabs)
        else:
            self.tabs.clear()
            self.splitter.insertWidget(0, self.form)
            self.splitter.insertWidget(1, self.findings)
            self.form.show()
            self.findings.show()
            if sum(self._sizes) > 0:
                self.splitter.setSizes(self._sizes)
            self.stack.setCurrentWidget(self.splitter)

    def show_findings(self) -> None:
        """Bring the findings into view: their tab in the compact layout, else a fair share of the splitter."""
        if self.compact:
            self.tabs.setCurrentWidget(self.findings)
            return
        sizes = self.splitter.sizes()
        total = sum(sizes)
        if len(sizes) == 2 and total > 0 and sizes[1] < min(200, total // 3):
            share = min(260, total // 2)
            self.splitter.setSizes([total - share, share])

    def show_form(self) -> None:
        """Bring the form into view (its tab, in the compact layout)."""
        if self.compact:
            self.tabs.setCurrentWidget(self.form)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if not self._auto:
            return
        height = event.size().height()
        if not self.compact and height < COMPACT_HEIGHT:
            self.set_compact(True, automatic=True)
        elif self.compact and height > COMPACT_HEIGHT + COMPACT_HYSTERESIS:
            self.set_compact(False, automatic=True)


__all__ = [
    "COMPACT_HEIGHT",
    "SidePane",
    "default_client_size",
    "fit_frame_to_screen",
    "fitted_geometry",
    "frame_margins",
    "let_controls_shrink",
    "let_labels_shrink",
]
