"""Tools > Settings…: the review database's own settings (today: the recorders' time zone).

The time zone is store-wide (every reviewer of the database sees recorded
times the same way, whatever their PC's zone) and its change is audited
(``settings.time_zone``).  Recorded times are kept as absolute times, so a
change rewrites nothing: every recorded time is shown in the new zone.
"""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import available_timezones

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from cctv_review.recorded_time import RecordedTimeError, format_recorded, zone


def zone_names() -> list[str]:
    """The IANA zone names this computer knows, ``Europe/London`` style ones first (no legacy aliases)."""
    names = sorted(n for n in available_timezones() if "/" in n and not n.startswith(("Etc/", "SystemV/")))
    return names + sorted(n for n in available_timezones() if n == "UTC")


class SettingsDialog(QDialog):
    """The store's settings; :meth:`time_zone` is the zone chosen (an IANA name)."""

    def __init__(self, current_zone: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setObjectName("settingsDialog")
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.zone = QComboBox()
        self.zone.setObjectName("timeZone")
        self.zone.setEditable(True)
        self.zone.addItems(zone_names())
        if self.zone.findText(current_zone) < 0:
            self.zone.addItem(current_zone)
        self.zone.setCurrentText(current_zone)
        form.addRow("Recorders' &time zone", self.zone)
        layout.addLayout(form)
        about = QLabel(
            "Recorded times are the wall-clock time of the recorders (NVR/DVR) in this zone, with summer "
            "time (e.g. GMT/BST) handled, for everyone using this review database. Changing it is recorded "
            "in the audit trail; stored times are not rewritten, only shown in the new zone."
        )
        about.setWordWrap(True)
        about.setStyleSheet("color:#555")
        layout.addWidget(about)
        self.preview = QLabel()
        self.preview.setObjectName("timeZonePreview")
        self.preview.setWordWrap(True)
        layout.addWidget(self.preview)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.zone.currentTextChanged.connect(lambda _t: self._update())
        self._update()
        self.resize(460, 200)

    def time_zone(self) -> str:
        """The zone name chosen (stripped)."""
        return self.zone.currentText().strip()

    def _update(self) -> None:
        try:
            tz = zone(self.time_zone())
        except RecordedTimeError as exc:
            self.preview.setText(str(exc))
            self.preview.setStyleSheet("color:#b3261e")
            self.ok_button.setEnabled(False)
            return
        self.preview.setStyleSheet("")
        self.preview.setText(f"Now in this zone: {format_recorded(datetime.now(timezone.utc), tz)}")
        self.ok_button.setEnabled(True)


__all__ = ["SettingsDialog", "zone_names"]
