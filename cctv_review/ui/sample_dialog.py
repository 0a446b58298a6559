"""Tools > Draw a sample…: a reproducible, stratified sample of cases, explained and audited.

The dialog is a face on :func:`cctv_review.sampling.draw_sample`, the same
draw as ``cctv-review sample`` (so the same size, flags and seed give the same
cases in both): the reviewer chooses the size, the flags to stratify by, the
seed (a new random one is offered; any number can be typed to repeat an
earlier draw) and what the sample is for: cases to review (drawn from every
case) or the share of completed cases to review a second time.  **Draw**
records the draw in the audit trail (``sample.drawn``: the seed, the rule,
each stratum's counts, the case ids and the purpose) through
:meth:`~cctv_review.ui.services.ReviewSession.draw_sample`, and shows the
explanation (how many from each stratum) and the references drawn, which
**Copy** puts on the clipboard.  The draw reads the cases' flags only, one
query: short enough for the GUI thread.
"""

from __future__ import annotations

import secrets
from typing import Any

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from cctv_review.domain import CASE_FLAGS
from cctv_review.sampling import SampleDraw

#: What a sample is for: (value given to ``ReviewSession.draw_sample``, label).
PURPOSES = (
    ("review", "Cases to review (drawn from every case)"),
    ("second_review", "Share for second review (drawn from completed cases)"),
)
MAX_SEED = 999_999  # the CLI's new seeds are below 1,000,000 too


class SampleDialog(QDialog):
    """Size, strata, seed and purpose; **Draw** draws, audits and explains (see the module docstring)."""

    def __init__(self, session: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.draw: SampleDraw | None = None
        self.references: dict[int, str] = {}
        self.setWindowTitle("Draw a sample")
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.size_box = QSpinBox()
        self.size_box.setObjectName("sampleSize")
        self.size_box.setRange(1, 1_000_000)
        self.size_box.setValue(min(64, max(1, session.case_count())))
        form.addRow("Number of cases:", self.size_box)
        flags_row = QWidget()
        flags_layout = QHBoxLayout(flags_row)
        flags_layout.setContentsMargins(0, 0, 0, 0)
        self.flags: dict[str, QCheckBox] = {}
        for flag, label in CASE_FLAGS.items():
            box = QCheckBox(label)
            box.setObjectName(f"stratify_{flag}")
            self.flags[flag] = box
            flags_layout.addWidget(box)
        flags_layout.addStretch(1)
        form.addRow("Stratify by:", flags_row)
        seed_row = QWidget()
        seed_layout = QHBoxLayout(seed_row)
        seed_layout.setContentsMargins(0, 0, 0, 0)
        self.seed = QSpinBox()
        self.seed.setObjectName("sampleSeed")
        self.seed.setRange(0, MAX_SEED)
        self.seed.setValue(secrets.randbelow(MAX_SEED + 1))
        self.seed.setToolTip(
            "The same seed, size and strata draw the same cases (here or with 'cctv-review sample')"
        )
        seed_layout.addWidget(self.seed)
        new_seed = QPushButton("New seed")
        new_seed.clicked.connect(lambda: self.seed.setValue(secrets.randbelow(MAX_SEED + 1)))
        seed_layout.addWidget(new_seed)
        seed_layout.addStretch(1)
        form.addRow("Seed:", seed_row)
        self.purpose = QComboBox()
        self.purpose.setObjectName("samplePurpose")
        for value, label in PURPOSES:
            self.purpose.addItem(label, value)
        form.addRow("For:", self.purpose)
        layout.addLayout(form)
        self.result_text = QPlainTextEdit()
        self.result_text.setObjectName("sampleResult")
        self.result_text.setReadOnly(True)
        self.result_text.setPlaceholderText(
            "Draw to see how many cases come from each stratum and which cases were drawn. "
            "Each draw is recorded in the audit trail with its seed and rule."
        )
        layout.addWidget(self.result_text, 1)
        self.problem = QLabel()
        self.problem.setStyleSheet("color:#8a1c1c")
        self.problem.setWordWrap(True)
        self.problem.hide()
        layout.addWidget(self.problem)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.draw_button = self.buttons.addButton("&Draw", QDialogButtonBox.ButtonRole.ActionRole)
        self.draw_button.setObjectName("drawSample")
        self.draw_button.clicked.connect(self.draw_now)
        self.copy_button = self.buttons.addButton("&Copy references", QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.setEnabled(False)
        self.copy_button.clicked.connect(self.copy)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.resize(620, 480)

    def stratify(self) -> tuple[str, ...]:
        """The flags ticked, in :data:`~cctv_review.domain.CASE_FLAGS` order."""
        return tuple(flag for flag, box in self.flags.items() if box.isChecked())

    def draw_now(self) -> SampleDraw | None:
        """Draw with the dialog's settings, audit it and show the explanation; None if refused."""
        from cctv_review.store import StoreError

        self.problem.hide()
        try:
            draw, references = self.session.draw_sample(
                self.size_box.value(), self.stratify(), self.seed.value(), self.purpose.currentData()
            )
        except (ValueError, StoreError) as exc:
            self.problem.setText(f"The sample could not be drawn: {exc}")
            self.problem.show()
            return None
        self.draw, self.references = draw, references
        lines = [draw.explain(), "", f"Cases drawn ({len(draw.case_ids)}):"]
        lines += [references.get(i, f"case {i}") for i in draw.case_ids]
        lines += ["", "Recorded in the audit trail (sample.drawn)."]
        self.result_text.setPlainText("\n".join(lines))
        self.copy_button.setEnabled(bool(draw.case_ids))
        return draw

    def copy(self) -> None:
        """Put the references drawn on the clipboard, one a line."""
        if self.draw is not None:
            QGuiApplication.clipboard().setText(
                "\n".join(self.references.get(i, "") for i in self.draw.case_ids)
            )
