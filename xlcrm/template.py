"""Build the xlcrm workbook (empty template or demo) from the schemas, with XlsxWriter.

Every data sheet is an Excel Table with a frozen header, widths, number formats and dropdowns.
``workbook_template.xlsx`` in the repository is this module's output.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pandas as pd
import xlsxwriter

from .dashboard import Layout
from .dashboard import add_sheet as add_dashboard
from .present.columns import explain, label
from .present.words import say
from .rules import output_columns
from .schema import ColumnSpec, SheetSpec, settings_schema, sheet_spec
from .xlsx.cellref import col_letter
from .xlsx.fill import Body, fill

DATA_SHEETS = ("customers", "sales", "contacts", "redemptions")
TABLE_NAMES = {
    "customers": "Customers",
    "sales": "Sales",
    "contacts": "Contacts",
    "redemptions": "Redemptions",
    "settings": "Settings",
    "holidays": "Holidays",
}
VALIDATION_ROWS = 1_048_575  # dropdowns cover the whole column below the header
YES_NO = {"en": ["yes", "no"], "zh": ["是", "否"]}
CREATED = dt.datetime(2024, 1, 1)


def build_workbook(
    path: str | Path, lang: str = "en", data: dict[str, pd.DataFrame] | None = None
) -> Path:
    """Write a workbook; ``data`` optionally fills the sheets (columns named by schema keys)."""
    path = Path(path)
    data = data or {}
    skeleton = io.BytesIO()
    wb = xlsxwriter.Workbook(
        skeleton,
        {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False},
    )
    wb.set_properties({"title": "xlcrm workbook", "created": CREATED, "author": "xlcrm"})
    fmt = _formats(wb)
    bodies = [_data_sheet(wb, fmt, sheet_spec(kind), lang, data.get(kind)) for kind in DATA_SHEETS]
    _settings_sheet(wb, fmt, lang, data.get("settings"), data.get("holidays"))
    add_dashboard(wb, template_layout(lang), lang)
    wb.close()
    # the Dashboard's formulas carry no cached results: they are computed on opening
    dashboard = f"xl/worksheets/sheet{len(DATA_SHEETS) + 2}.xml"
    fill(skeleton.getvalue(), path, [b for b in bodies if b is not None], uncached=[dashboard])
    return path


def template_layout(lang: str) -> Layout:
    """The template's output columns, after the Customers columns in declared order."""
    spec = sheet_spec("customers")
    first = len(spec.columns) + 1
    letters = {o.key: col_letter(first + i) for i, o in enumerate(output_columns())}
    return Layout(spec.label(lang), letters)


def _formats(wb) -> dict[str, Any]:
    return {
        "date": wb.add_format({"num_format": "yyyy-mm-dd"}),
        "datetime": wb.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
        "money": wb.add_format({"num_format": "#,##0.00"}),
        "integer": wb.add_format({"num_format": "0"}),
        "number": wb.add_format({"num_format": "General"}),
        "decimal": wb.add_format({"num_format": "0.00"}),
        "percent": wb.add_format({"num_format": "0%"}),
        "text": wb.add_format({"num_format": "@"}),
        "wrap": wb.add_format({"text_wrap": True, "valign": "top"}),
        "output_header": wb.add_format(
            {"bold": True, "bg_color": "#E2EFDA", "font_color": "#375623", "border": 1}
        ),
    }


def _col_format(kind: str, fmt: dict[str, Any]):
    return {
        "date": fmt["date"],
        "datetime": fmt["datetime"],
        "money": fmt["money"],
        "integer": fmt["integer"],
        "decimal": fmt["decimal"],
        "percent": fmt["percent"],
        "id": fmt["text"],
    }.get(kind)


def _data_sheet(wb, fmt, spec: SheetSpec, lang: str, frame: pd.DataFrame | None) -> Body | None:
    """The sheet with its table, formats and dropdowns; its rows, if any, to be filled in."""
    ws = wb.add_worksheet(spec.label(lang))
    cols: list[tuple[str, str, str, int]] = [
        (c.key, c.label(lang), c.kind, c.width) for c in spec.columns
    ]
    outputs = output_columns() if spec.key == "customers" else []
    cols += [(o.key, label(o.key, lang), o.kind, o.width) for o in outputs]
    n = 0 if frame is None else len(frame)
    for i, (_key, head, kind, width) in enumerate(cols):
        ws.set_column(
            i, i, max(width, len(head) * (2 if lang == "zh" else 1) + 2), _col_format(kind, fmt)
        )
    table_cols = [{"header": head} for _, head, _, _ in cols]
    ws.add_table(  # one row here: ``fill`` extends the table to the rows it puts in
        0,
        0,
        1,
        len(cols) - 1,
        {"name": TABLE_NAMES[spec.key], "columns": table_cols, "style": "Table Style Medium 2"},
    )
    for i, o in enumerate(outputs, start=len(spec.columns)):
        ws.write_string(0, i, label(o.key, lang), fmt["output_header"])
        ws.write_comment(
            0,
            i,
            f"{say('note.output', lang)}\n{explain(o.key, lang)}",
            {"author": "xlcrm", "x_scale": 2, "y_scale": 1.5},
        )
    ws.freeze_panes(1, 0)
    for i, c in enumerate(spec.columns):
        _dropdown(ws, i, c, lang)
    if not n:
        return None
    return Body(TABLE_NAMES[spec.key], _body_columns(spec.columns, frame, lang), n)


def _dropdown(ws, col: int, c: ColumnSpec, lang: str) -> None:
    if c.kind == "choice":
        values = [ch.labels.get(lang, ch.value) for ch in c.choices]
    elif c.kind == "boolean":
        values = YES_NO[lang]
    else:
        return
    ws.data_validation(
        1,
        col,
        VALIDATION_ROWS,
        col,
        {
            "validate": "list",
            "source": values,
            "ignore_blank": True,
            "error_title": c.label(lang),
            "error_message": ", ".join(values),
            "error_type": "warning",
        },
    )


def _body_columns(
    columns: tuple[ColumnSpec, ...], frame: pd.DataFrame, lang: str
) -> list[tuple[int, str, pd.Series]]:
    out = []
    for i, c in enumerate(columns, start=1):
        if c.key not in frame.columns:
            continue
        values = frame[c.key]
        if values.dtype == bool:
            values = values.map(dict(zip((True, False), YES_NO[lang], strict=True)))
        out.append((i, c.kind, values))
    return out


def _settings_sheet(
    wb, fmt, lang: str, frame: pd.DataFrame | None, holidays: pd.DataFrame | None
) -> None:
    """The settings (name, value, description) and, beside them, the Holidays table."""
    spec = sheet_spec("settings")
    ws = wb.add_worksheet(spec.label(lang))
    props = settings_schema()["properties"]
    overrides = {} if frame is None else dict(zip(frame["name"], frame["value"], strict=True))
    rows = []
    for key, p in props.items():
        default = p.get("x-default-zh", p.get("default")) if lang == "zh" else p.get("default")
        value = overrides.get(key, lang if key == "language" else default)
        desc = p["description"] if lang == "en" else p.get("x-description-zh", p["description"])
        rows.append((p["x-label"][lang], value, desc, p["x-kind"]))
    settings_cols = [spec.column(k) for k in ("name", "value", "description")]
    for i, c in enumerate(settings_cols):
        ws.set_column(i, i, c.width, fmt["wrap"] if c.key == "description" else None)
    ws.add_table(
        0,
        0,
        len(rows),
        2,
        {
            "name": TABLE_NAMES["settings"],
            "style": "Table Style Light 9",
            "columns": [{"header": c.label(lang)} for c in settings_cols],
        },
    )
    for r, (name, value, desc, _kind) in enumerate(rows, start=1):
        ws.write_string(r, 0, name)
        if value is None:
            pass
        elif isinstance(value, bool):
            ws.write_string(r, 1, YES_NO[lang][0 if value else 1])
        elif isinstance(value, int | float):
            ws.write_number(r, 1, value)
        elif isinstance(value, dt.date):
            ws.write_datetime(r, 1, dt.datetime.combine(value, dt.time()), fmt["date"])
        else:
            ws.write_string(r, 1, str(value))
        ws.write_string(r, 2, desc)
    _holidays_table(ws, fmt, lang, holidays)
    ws.freeze_panes(1, 0)


def _holidays_table(ws, fmt, lang: str, holidays: pd.DataFrame | None) -> None:
    """Holiday / date rows beside the settings: China's main festivals for the next three
    years in a Chinese book; in an English one, the owner's own (empty to start with)."""
    if holidays is None:
        holidays = chinese_festivals(dt.date.today().year) if lang == "zh" else None
    spec = sheet_spec("settings")
    name_col, date_col = spec.column("holiday"), spec.column("holiday_date")
    ws.set_column(4, 4, name_col.width)
    ws.set_column(5, 5, date_col.width, fmt["date"])
    n = 0 if holidays is None else len(holidays)
    ws.add_table(
        0,
        4,
        max(n, 1),
        5,
        {
            "name": TABLE_NAMES["holidays"],
            "style": "Table Style Light 9",
            "columns": [{"header": name_col.label(lang)}, {"header": date_col.label(lang)}],
        },
    )
    for r, (name, day) in enumerate(
        [] if holidays is None else zip(holidays["holiday"], holidays["date"], strict=True),
        start=1,
    ):
        ws.write_string(r, 4, str(name))
        ws.write_datetime(r, 5, pd.Timestamp(day).to_pydatetime(), fmt["date"])


FESTIVALS_SOLAR = (("元旦", 1, 1), ("劳动节", 5, 1), ("国庆节", 10, 1))
FESTIVALS_LUNAR = (
    ("春节", 1, 1),
    ("元宵节", 1, 15),
    ("端午节", 5, 5),
    ("七夕节", 7, 7),
    ("中秋节", 8, 15),
)


def chinese_festivals(first_year: int, years: int = 3) -> pd.DataFrame:
    """China's main festivals from ``first_year`` on, the lunar ones converted by the
    lunar-python calendar (its tables run to 2100)."""
    from lunar_python import Lunar

    rows = []
    for year in range(first_year, first_year + years):
        rows += [(name, dt.date(year, m, d)) for name, m, d in FESTIVALS_SOLAR]
        for name, m, d in FESTIVALS_LUNAR:
            solar = Lunar.fromYmd(year, m, d).getSolar()
            rows.append((name, dt.date(solar.getYear(), solar.getMonth(), solar.getDay())))
    frame = pd.DataFrame(rows, columns=["holiday", "date"])
    return frame.sort_values("date", kind="stable").reset_index(drop=True)
