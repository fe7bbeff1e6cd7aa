"""One way to set up a table view, so every list in the window behaves alike for the keyboard and
screen readers: read-only, one row (or cell) at a time, an accessible name, Tab moves on to the
next control, and the header sized one of three ways."""

from __future__ import annotations

from typing import Literal

from PySide6.QtCore import QAbstractItemModel, Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

#: "contents": columns always fit their contents (small lists); "once": the caller sizes them once
#: per refresh with resizeColumnsToContents (big lists: ResizeToContents would ask the model for
#: every cell again on each layout pass) and a column a nurse widens keeps its width until then;
#: "stretch": the columns share the width (the MAR grid's days).
Sizing = Literal["contents", "once", "stretch"]

_RESIZE = {"contents": QHeaderView.ResizeMode.ResizeToContents,
           "once": QHeaderView.ResizeMode.Interactive,
           "stretch": QHeaderView.ResizeMode.Stretch}


def table_view(parent: QWidget, model: QAbstractItemModel, *, name: str, accessible_name: str,
               cells: bool = False, sortable: bool = False, sizing: Sizing = "contents",
               stretch_last: bool = True, row_titles: bool = False, alternating: bool = False,
               word_wrap: bool = True) -> QTableView:
    """A read-only table over ``model`` with single selection of rows (of cells with ``cells``).

    ``name`` is the object name (style sheets, tests); ``accessible_name`` what a screen reader
    calls it. ``sortable`` sorts by a click on a header, starting with the first column ascending
    (give it a sorting proxy, rows_model.RowsFilter). ``row_titles`` shows the vertical header
    (the MAR grid's dose times), sized to its contents."""
    view = QTableView(parent)
    view.setObjectName(name)
    view.setAccessibleName(accessible_name)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems if cells
                              else QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setWordWrap(word_wrap)
    view.setAlternatingRowColors(alternating)
    # arrows move within the table; Tab leaves it for the next control, as in any form
    view.setTabKeyNavigation(False)
    view.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    if sortable:
        view.setSortingEnabled(True)
        view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    header = view.horizontalHeader()
    header.setSectionResizeMode(_RESIZE[sizing])
    header.setStretchLastSection(stretch_last)
    vertical = view.verticalHeader()
    vertical.setVisible(row_titles)
    if row_titles:
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    return view
