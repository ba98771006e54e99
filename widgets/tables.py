"""Results a reader should read, as HTML tables that fit the text column: readable column names, numbers formatted
for people, no index column unless it carries meaning.

A printed DataFrame or a long `print` line is set in a monospaced block as wide as its longest line, so at laptop widths
it scrolls and hides its right-hand columns (often the ones the prose quotes). `results_table` gives the same numbers
as an HTML table, which the book's stylesheet (book_assets/static/readable.css, `.results-table`) lets wrap its
headers and shrink to the column.
"""

from __future__ import annotations

import html
from typing import Callable, Mapping

import pandas as pd
from IPython.display import HTML

Format = str | Callable[[object], str]


def results_table(frame: pd.DataFrame, *, columns: Mapping[str, str] | None = None,
                  formats: Mapping[str, Format] | None = None, index: bool = False,
                  caption: str | None = None, transpose: bool = False) -> HTML:
    """`frame` as an HTML table. `columns` maps column names to the headers shown (columns not in it keep their name,
    or, when `columns` is given, are left out: a table shows what the reader needs); `formats` maps a column to a
    format string ("{:.2f}", "{:,}", "{:.1%}") or a function of the value; `index=True` keeps the index as the first
    column (under its name); `caption` goes above the table. `transpose=True` turns the table on its side once
    formatted: each column becomes a row headed by its name, and the first column's values head the columns (for a
    few cases measured in many ways, which side by side would run past the column)."""
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"results_table shows a pandas DataFrame, not {type(frame).__name__}")
    shown = frame.reset_index() if index else frame
    if columns is not None:
        missing = [name for name in columns if name not in shown.columns]
        if missing:
            raise ValueError(f"results_table: no column {missing} in the table; its columns are {list(shown.columns)}")
        shown = shown[list(columns)].rename(columns=dict(columns))
    formatters = {}
    for name, form in (formats or {}).items():
        header = (columns or {}).get(name, name)
        if header not in shown.columns:
            raise ValueError(f"results_table: a format for {name!r}, which is not a column shown")
        formatters[header] = form.format if isinstance(form, str) else form
    if transpose:
        text = shown.astype(object).where(shown.notna(), "–")
        for header, form in formatters.items():
            text[header] = [form(value) if pd.notna(value) else "–" for value in shown[header]]
        first = text.columns[0]
        shown = text.set_index(first).T.rename_axis(first).reset_index()
        shown.columns = [str(name) for name in shown.columns]
        formatters = {}
    body = shown.to_html(index=False, formatters=formatters, escape=True, border=0, na_rep="–",
                         classes="results-table-grid")
    title = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    if title:
        body = body.replace(">", f">{title}", 1)  # the caption is the table's first child
    return HTML(f'<div class="results-table">{body}</div>')
