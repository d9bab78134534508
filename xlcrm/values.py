"""Owner-typed text to values: dates, numbers, yes/no, and fixed-list choices, in en and zh.

Each parser answers (value, why, params): value None means 'cannot be read', and ``why`` is the
code of the reason (worded by the presentation layer), with the values it needs in ``params``.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from .schema import normalize_label

YES = {"yes", "y", "true", "1", "x", "✓", "√", "是", "对", "有", "需要"}
NO = {"no", "n", "false", "0", "否", "不", "无", "不需要"}
MONTHS = {
    m: i
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1
    )
}
EXCEL_ERROR_TEXT = {
    "#N/A",
    "#DIV/0!",
    "#NAME?",
    "#NULL!",
    "#NUM!",
    "#REF!",
    "#VALUE!",
    "#GETTING_DATA",
    "#SPILL!",
    "#CALC!",
    "#FIELD!",
    "#BLOCKED!",
    "#UNKNOWN!",
    "#CONNECT!",
    "#BUSY!",
    "#PYTHON!",
}

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_YMD = re.compile(r"^(\d{4})\s*[/.年-]\s*(\d{1,2})\s*[/.月-]\s*(\d{1,2})\s*日?$")
_DMY = re.compile(r"^(\d{1,2})\s*([/.-])\s*(\d{1,2})\s*\2\s*(\d{2}|\d{4})$")
_NAMED = re.compile(
    r"^(\d{1,2})\s+([a-z]{3,9})\.?,?\s+(\d{4})$|^([a-z]{3,9})\.?\s+(\d{1,2}),?\s+(\d{4})$"
)


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def _date(y: int, m: int, d: int) -> dt.date | None:
    try:
        return dt.date(y, m, d)
    except ValueError:
        return None


Why = tuple[str, dict]
OK: Why = ("", {})

# the days pandas can compute with (nanosecond timestamps): a date outside is a typo in the
# year, reported as such rather than stopping the run
FIRST_DAY = dt.date(1677, 9, 22)
LAST_DAY = dt.date(2262, 4, 11)


def _in_range(d: dt.date | None) -> tuple[dt.date | None, Why]:
    if d is None:
        return None, ("not_calendar_date", {})
    if not FIRST_DAY <= d <= LAST_DAY:
        return None, out_of_range()
    return d, OK


def out_of_range() -> Why:
    return "out_of_range", {"first": FIRST_DAY.year + 1, "last": LAST_DAY.year - 1}


def parse_date_text(text: str) -> tuple[dt.date | None, Why]:
    """A date typed as text. Unambiguous forms are read; 03/04/2024 is refused as ambiguous."""
    s = _fold(text)
    for rx in (_ISO, _YMD):
        m = rx.match(s)
        if m:
            return _in_range(_date(int(m.group(1)), int(m.group(2)), int(m.group(3))))
    m = _DMY.match(s)
    if m:
        a, b, year = int(m.group(1)), int(m.group(3)), m.group(4)
        if len(year) == 2:
            return None, ("two_digit_year", {})
        y = int(year)
        if a > 12 and b <= 12:
            d = _date(y, b, a)
        elif (b > 12 and a <= 12) or a == b:
            d = _date(y, a, b)
        else:
            return None, (
                "ambiguous_date",
                {"day_first": f"{y}-{b:02d}-{a:02d}", "month_first": f"{y}-{a:02d}-{b:02d}"},
            )
        return _in_range(d)
    m = _NAMED.match(s.lower())
    if m:
        day, mon, year = (
            (m.group(1), m.group(2), m.group(3))
            if m.group(1)
            else (m.group(5), m.group(4), m.group(6))
        )
        month = MONTHS.get(mon[:3])
        if month:
            return _in_range(_date(int(year), month, int(day)))
    return None, ("not_a_date", {})


_CURRENCY = re.compile(r"^(?:[¥￥$€£]|rmb|cny|usd|eur)\s*|\s*(?:元|rmb|cny|usd|eur)$", re.I)
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_PLAIN = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")


def parse_number_text(text: str) -> tuple[float | None, Why]:
    """A number typed as text: '1,200', '¥ 35', '(12.50)' are read; '12,5' is refused."""
    s = _fold(text).replace("\u00a0", "").replace(" ", "")
    neg = False
    if s.startswith("(") and s.endswith(")"):
        neg, s = True, s[1:-1]
    s = _CURRENCY.sub("", s).strip()
    if s.startswith("-") and neg:
        return None, ("not_a_number", {})
    if _THOUSANDS.match(s):
        s = s.replace(",", "")
    elif re.match(r"^[+-]?\d+,\d{1,2}$", s):
        return None, ("decimal_comma", {})
    if not _PLAIN.match(s):
        return None, ("not_a_number", {})
    v = float(s)
    return (-v if neg else v), OK


def parse_bool_text(text: str) -> bool | None:
    s = normalize_label(text)
    if s in YES:
        return True
    if s in NO:
        return False
    return None


def is_error_text(text: str) -> bool:
    return _fold(text).upper() in EXCEL_ERROR_TEXT
