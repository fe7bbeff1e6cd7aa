"""A table model that works each cell out once per reset.

Qt asks a model for the same cell many times over (sizing columns to their contents, painting,
accessibility), once per role; on the ward board that is about ten thousand calls before the
first paint. The rows are immutable and replaced whole, so each (row, column, role) is worked out
once and remembered until the next reset.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt


class MemoTableModel(QAbstractTableModel):
    """Subclasses implement ``cell(row, column, role)`` and ``rowCount``, and call ``reset_with``
    to replace their rows."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._memo: dict[tuple[int, int, object], Any] = {}

    def reset_with(self, replace: Any) -> None:
        """Replace the rows (``replace()`` does it) inside a model reset, forgetting every cell."""
        self.beginResetModel()
        try:
            replace()
        finally:
            self._memo.clear()
            self.endResetModel()

    def cell(self, row: int, column: int, role: int) -> Any:
        raise NotImplementedError

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        key = (index.row(), index.column(), role)
        try:
            return self._memo[key]
        except KeyError:
            pass
        row, column, _ = key
        value = self.cell(row, column, role) if 0 <= row < self.rowCount() else None
        self._memo[key] = value
        return value
