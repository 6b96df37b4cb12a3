"""Search, step and overdue filters over the caseload, plus sorting.

Filtering is fast because the work is done once per change, not once per row:
when the search text or a filter changes, one Python pass over the model's
precomputed search keys decides every row, and ``filterAcceptsRow`` (which Qt
calls once per row from C++) only looks the answer up. Sorting is handed to
the source model, which sorts by the underlying values in one Python sort.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt

from ui.caseload_table_model import ENDED_STEP, CaseloadTableModel, step_value

ALL_STEPS = 0
_SEPARATORS = re.compile(r"[\s\-]+")


def matcher(text: str):
    """A function ``key -> bool`` for the search text (None when there is no search).

    Digits (with or without spaces or hyphens) match anywhere in an NHS number;
    words must each appear in the name, locality or NHS number.
    """
    query = " ".join(text.lower().split())
    if not query:
        return None
    digits = _SEPARATORS.sub("", query)
    if digits.isdigit():
        # The NHS number is the last part of the key; a digit query is compared with it only.
        return lambda key: digits in key[key.rfind("\x1f") + 1 :]
    terms = query.split()
    if len(terms) == 1:
        term = terms[0]
        return lambda key: term in key
    return lambda key: all(term in key for term in terms)


class CaseloadFilterProxyModel(QSortFilterProxyModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self._search = ""
        self._step = ALL_STEPS
        self._overdue_only = False
        self._accepted: list[bool] = []
        self._generation = -1  # the source generation _accepted was computed for
        self._model: CaseloadTableModel | None = None
        self.setDynamicSortFilter(False)

    def setSourceModel(self, model: CaseloadTableModel) -> None:  # type: ignore[override]
        if not isinstance(model, CaseloadTableModel):
            raise TypeError("CaseloadFilterProxyModel filters a CaseloadTableModel")
        self._model = model
        self._generation = -1
        super().setSourceModel(model)

    def source(self) -> CaseloadTableModel:
        assert self._model is not None, "set a source model first"
        return self._model

    # -- filters -------------------------------------------------------------------------
    def search_text(self) -> str:
        return self._search

    def set_search_text(self, text: str) -> None:
        if text != self._search:
            self._search = text
            self._refilter()

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

    def _refilter(self) -> None:
        self._generation = -1
        self.beginFilterChange()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def _compute(self) -> None:
        source = self.source()
        keys = source.search_keys()
        rows = source.rows()
        accepted = [True] * len(keys)
        match = matcher(self._search)
        if match is not None:
            accepted = [match(k) for k in keys]
        if self._step != ALL_STEPS:
            wanted = self._step
            accepted = [ok and step_value(r) == wanted for ok, r in zip(accepted, rows, strict=True)]
        if self._overdue_only:
            accepted = [ok and r.review_overdue for ok, r in zip(accepted, rows, strict=True)]
        self._accepted = accepted
        self._generation = source.generation

    def filterAcceptsRow(self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex) -> bool:
        if self._generation != self._model.generation:  # type: ignore[union-attr]
            self._compute()
        return self._accepted[source_row]

    # -- sorting -------------------------------------------------------------------------
    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Let the source sort (one Python sort); this proxy keeps the source's order."""
        self.source().sort(column, order)


__all__ = ["ALL_STEPS", "ENDED_STEP", "CaseloadFilterProxyModel", "matcher"]
