"""Search, step and overdue filters over the caseload, plus sorting.

The work is done once per change, not once per row, and never through a Qt
callback per row: when the search text or a filter changes, the source model
makes the list of rows shown in one Python pass over its precomputed search
keys (see ``CaseloadTableModel.set_filter``). This proxy is an identity proxy
(its mapping is Qt's own, in C++) that holds the filter settings, so a
keystroke costs a few milliseconds at 50,000 people. Sorting is handed to the
source model too, which sorts by the underlying values in one Python sort.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QIdentityProxyModel, Qt

from ui.models.caseload_table_model import ENDED_STEP, CaseloadTableModel, RowFilter

ALL_STEPS = 0
_SEPARATORS = re.compile(r"[\s\-]+")


def matcher(text: str) -> RowFilter | None:
    """A function ``keys -> positions of the keys that match`` for the search text (None when there
    is no search). One comprehension over every key, with no Python call per row.

    Digits (with or without spaces or hyphens) match anywhere in an NHS number;
    words must each appear in the name, locality or NHS number.
    """
    query = " ".join(text.lower().split())
    if not query:
        return None
    digits = _SEPARATORS.sub("", query)
    if digits.isdigit():
        # The NHS number is the last part of the key; a digit query is compared with it only. Few keys
        # hold those digits anywhere, so they are found first (a substring test) and only they are cut.
        return lambda keys: [
            i for i, key in enumerate(keys) if digits in key and digits in key[key.rfind("\x1f") + 1 :]
        ]
    terms = query.split()
    if len(terms) == 1:
        term = terms[0]
        return lambda keys: [i for i, key in enumerate(keys) if term in key]
    return lambda keys: [i for i, key in enumerate(keys) if all(term in key for term in terms)]


def narrower(before: str, after: str) -> bool:
    """Whether search text ``after`` can match only rows that ``before`` matched (more letters of the
    same word or words typed, more digits of an NHS number), so only the rows shown need looking at."""
    before = " ".join(before.lower().split())
    after = " ".join(after.lower().split())
    if not before:
        return False
    before_digits, after_digits = _SEPARATORS.sub("", before), _SEPARATORS.sub("", after)
    if before_digits.isdigit() or after_digits.isdigit():
        # Digits match the NHS number only, words the whole key: narrower only digits within digits.
        return before_digits.isdigit() and after_digits.isdigit() and before_digits in after_digits
    return after.startswith(before) and (after[len(before) : len(before) + 1] != " " or before.endswith(" "))


class CaseloadFilterProxyModel(QIdentityProxyModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self._search = ""
        self._step = ALL_STEPS
        self._overdue_only = False
        self._model: CaseloadTableModel | None = None

    def setSourceModel(self, model: CaseloadTableModel) -> None:  # type: ignore[override]
        if not isinstance(model, CaseloadTableModel):
            raise TypeError("CaseloadFilterProxyModel filters a CaseloadTableModel")
        self._model = model
        super().setSourceModel(model)
        self._refilter()

    def source(self) -> CaseloadTableModel:
        assert self._model is not None, "set a source model first"
        return self._model

    # -- filters -------------------------------------------------------------------------
    def search_text(self) -> str:
        return self._search

    def set_search_text(self, text: str) -> None:
        if text != self._search:
            self._search, before_text = text, self._search
            self._refilter(narrower=narrower(before_text, text))

    def step_filter(self) -> int:
        return self._step

    def set_step_filter(self, step: int) -> None:
        """ALL_STEPS, a step number 1..7, or ENDED_STEP for budgets that have ended."""
        if step != self._step:
            self._step = step
            self._refilter()

    def overdue_only(self) -> bool:
        return self._overdue_only

    def set_overdue_only(self, on: bool) -> None:
        if on != self._overdue_only:
            self._overdue_only = on
            self._refilter()

    def _refilter(self, *, narrower: bool = False) -> None:
        if self._model is not None:
            self._model.set_filter(matcher(self._search), self._step, self._overdue_only, narrower=narrower)

    # -- sorting -------------------------------------------------------------------------
    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Let the source sort (one Python sort); this proxy keeps the source's order."""
        self.source().sort(column, order)


__all__ = ["ALL_STEPS", "ENDED_STEP", "CaseloadFilterProxyModel", "matcher"]
