"""Small dialogs: the new-case dialog (the case details dialog without a case)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from cctv_review.ui.case_dialog import CaseDialog

#: The new-case dialog is the case details dialog without a case (no detention date until one is given).
NewCaseDialog = CaseDialog


__all__ = ["CaseDialog", "NewCaseDialog", "Qt"]
