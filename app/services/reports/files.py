"""Reports as files: CSV that spreadsheets cannot execute, and accessible SVG bar charts.

CSV cells that begin with = + - @ (or tab / carriage return) are formulas to Excel and
LibreOffice: a resident who texts "=HYPERLINK(...)" must not get a link into a manager's
spreadsheet. Such text cells get a leading apostrophe; numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

from app.services.reports.tables import Table

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool | int | float | Decimal):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def table_csv(table: Table) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([csv_cell(c) for c in table.columns])
    for row in table.rows:
        writer.writerow([csv_cell(v) for v in row])
    return out.getvalue()


def bar_chart_svg(table: Table, *, width: int = 640, bar_height: int = 26) -> str:
    """Horizontal bars with labels and values drawn as text (no colour-only meaning).

    Presentation attributes only (no style element), so the console's CSP allows it inline.
    The chart is an image for sighted readers; the table beside it carries the data for
    screen readers, so the SVG has a short text alternative, not the numbers again.
    """
    series = [(str(label), float(value)) for label, value in table.chart]
    label_width, value_width = 260, 80
    plot = width - label_width - value_width
    height = max(1, len(series)) * (bar_height + 8) + 10
    top = max((v for _, v in series), default=0.0) or 1.0
    title_id = f"chart-{table.key}-title"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'aria-labelledby="{title_id}" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">',
        f'<title id="{title_id}">{escape(table.chart_label or table.title)}: bar chart; '
        f"the same figures are in the table that follows.</title>",
    ]
    if not series:
        parts.append('<text x="0" y="20" font-size="16" fill="#0b0c0c">No data for this '
                     "period</text>")
    for i, (label, value) in enumerate(series):
        y = 5 + i * (bar_height + 8)
        length = max(0.0, plot * value / top)
        shown = f"{value:g}"
        parts.append(
            f'<text x="{label_width - 8}" y="{y + bar_height * 0.7:.1f}" font-size="15" '
            f'text-anchor="end" fill="#0b0c0c">{escape(label[:34])}</text>'
            f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="{bar_height}" '
            f'fill="#1d70b8"><title>{escape(label)}: {shown}</title></rect>'
            f'<text x="{label_width + length + 6:.1f}" y="{y + bar_height * 0.7:.1f}" '
            f'font-size="15" fill="#0b0c0c">{escape(shown)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def csv_filename(table: Table, start: str, end: str) -> str:
    """Keys and ISO dates only: nothing from the request reaches the header unchecked."""
    return f"{table.key}_{start}_{end}.csv"
