"""One table model for every list in the window: ``RowsModel(columns, rows)``, where each ``Column``
says how one column shows a row (text, icon, colours, font, tooltip, sort key, accessible text).

Rows are immutable values from a service, replaced whole by ``set_rows``. Qt asks for the same cell
many times over (sizing columns, painting, accessibility), once per role; on the ward board that is
about ten thousand calls before the first paint, so each (row, column, role) is worked out once
and remembered until the rows are next replaced (docs/performance.md).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any, Generic, TypeVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QFont

from ward_app.domain.text import folded

R = TypeVar("R")

#: The role a sorting proxy sorts on: a column's ``sort_key``, or its text when it has none.
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
#: A cell's text as the find box compares it: case and accents left out (domain.text.folded).
FIND_ROLE = Qt.ItemDataRole.UserRole + 2

_Role = Qt.ItemDataRole


@dataclass(frozen=True)
class Column(Generic[R]):
    """How one column shows a row. Every part but the title and text is optional; a part that is
    left out (or that gives None for a row) shows nothing, as Qt's default does."""

    title: str
    text: Callable[[R], str]
    tooltip: Callable[[R], str | None] | None = None
    icon: Callable[[R], Any] | None = None  # QIcon
    #: the same for every cell of the column (Qt.AlignmentFlag)
    align: Qt.AlignmentFlag | None = None
    foreground: Callable[[R], Any] | None = None  # QColor or QBrush
    background: Callable[[R], Any] | None = None
    font: Callable[[R], QFont | None] | None = None
    #: what the sorting proxy compares (numbers, dates, natural bed order); the text by default
    sort_key: Callable[[R], Any] | None = None
    #: what a screen reader says; the text by default
    accessible: Callable[[R], str] | None = None

    def roles(self) -> dict[int, Callable[[R], Any]]:
        """Role -> how this column works out a cell for that role."""
        out: dict[int, Callable[[R], Any]] = {
            int(_Role.DisplayRole): self.text,
            int(_Role.AccessibleTextRole): self.accessible or self.text,
            int(SORT_ROLE): self.sort_key or self.text,
            int(FIND_ROLE): lambda r: folded(str(self.text(r) or "")),
        }
        for role, part in ((_Role.ToolTipRole, self.tooltip), (_Role.DecorationRole, self.icon),
                           (_Role.ForegroundRole, self.foreground),
                           (_Role.BackgroundRole, self.background), (_Role.FontRole, self.font)):
            if part is not None:
                out[int(role)] = part
        if self.align is not None:
            aligned = int(self.align)
            out[int(_Role.TextAlignmentRole)] = lambda _row: aligned
        return out


_PARTS = frozenset(f.name for f in fields(Column)) - {"title", "text", "align"}


def for_all(columns: Iterable[Column[R]], **parts: Callable[[R], Any]) -> list[Column[R]]:
    """The columns with ``parts`` (tooltip=..., font=...) filled in where a column has none: for
    what a whole row shares, such as an alert's colour or a struck-through record."""
    unknown = set(parts) - _PARTS
    if unknown:
        raise TypeError(f"not a column part: {', '.join(sorted(unknown))}")
    out = []
    for c in columns:
        missing: dict[str, Any] = {k: v for k, v in parts.items() if getattr(c, k) is None}
        out.append(replace(c, **missing))
    return out


def bold(_row: object = None) -> QFont:
    font = QFont()
    font.setBold(True)
    return font


def struck_out(_row: object = None) -> QFont:
    font = QFont()
    font.setStrikeOut(True)
    return font


class RowsModel(QAbstractTableModel, Generic[R]):
    """A read-only table of ``rows``, shown through ``columns``.

    ``key`` names a row (a patient id, an alert key): when new rows have the same keys in the same
    order and the columns the same titles, ``set_rows`` says the cells changed (``dataChanged``)
    instead of resetting, so the view keeps its selection and current cell on the same row.
    Without a key, or when the rows differ, the model is reset. ``row_title`` gives the vertical
    header's text (the MAR grid's dose times); otherwise rows have no header text.
    """

    def __init__(self, columns: Sequence[Column[R]], rows: Iterable[R] = (), parent=None, *,
                 key: Callable[[R], Hashable] | None = None,
                 row_title: Callable[[R], str] | None = None) -> None:
        super().__init__(parent)
        self._key = key
        self._row_title = row_title
        self._rows: tuple[R, ...] = tuple(rows)
        self._set_columns(columns)
        self._memo: dict[tuple[int, int, int], Any] = {}

    def _set_columns(self, columns: Sequence[Column[R]]) -> None:
        self._columns: tuple[Column[R], ...] = tuple(columns)
        self._titles = tuple(c.title for c in self._columns)
        self._roles = [c.roles() for c in self._columns]

    # --- the rows -----------------------------------------------------------------------------

    @property
    def rows(self) -> tuple[R, ...]:
        return self._rows

    @property
    def columns(self) -> tuple[Column[R], ...]:
        return self._columns

    def row_at(self, row: int) -> R:
        return self._rows[row]

    def set_rows(self, rows: Iterable[R], columns: Sequence[Column[R]] | None = None) -> None:
        """Show ``rows`` (and ``columns``, when the columns are built per refresh)."""
        new = tuple(rows)
        titles = self._titles if columns is None else tuple(c.title for c in columns)
        key = self._key
        same_rows = (key is not None and len(new) == len(self._rows) and titles == self._titles
                     and all(key(a) == key(b) for a, b in zip(new, self._rows, strict=True)))
        if not same_rows:
            self.beginResetModel()
        try:
            self._rows = new
            if columns is not None:
                self._set_columns(columns)
        finally:
            self._memo.clear()
            if not same_rows:
                self.endResetModel()
        if same_rows and new and self._columns:
            self.dataChanged.emit(self.index(0, 0), self.index(len(new) - 1, len(self._columns) - 1))
            if self._row_title is not None:
                self.headerDataChanged.emit(Qt.Orientation.Vertical, 0, len(new) - 1)

    # --- QAbstractTableModel --------------------------------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex | None = None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex | None = None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self._columns)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self._titles[section] if 0 <= section < len(self._titles) else None
        if self._row_title is not None and 0 <= section < len(self._rows):
            return self._row_title(self._rows[section])
        return None

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
        value = None
        if 0 <= row < len(self._rows) and 0 <= column < len(self._columns):
            part = self._roles[column].get(int(role))
            if part is not None:
                value = part(self._rows[row])
        self._memo[key] = value
        return value


class RowsFilter(QSortFilterProxyModel):
    """Sorts on the columns' sort keys and keeps the rows with the find text in any column."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterKeyColumn(-1)
        self.setFilterRole(FIND_ROLE)

    def find(self, pattern: str) -> None:
        """Keep the rows with ``pattern`` in any column, without regard to case or accents
        ('zoe' finds Zoë)."""
        self.setFilterFixedString(folded(pattern.strip()))
