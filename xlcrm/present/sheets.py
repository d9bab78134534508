"""xlcrm's own sheets in words: names, titles, headers and cells in the book's language.

``render`` turns neutral content (``xlcrm.owned``) into a ``RenderedSheet`` that any door
writes: the file door as a worksheet part, the live door through ranges.
"""

from __future__ import annotations

from dataclasses import field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from ..arrowtext import arrow_text, nulls_where, string_series
from ..owned import Field, SheetContent
from ..problems import Problem
from ..record import record
from ..rules.ledger import RowRef
from ..schema import sheet_spec
from .columns import FORMATTERS, words_of
from .problems import location, problem_message, sheet_name
from .words import LANGS, normalize_lang, say, say_each

OWNED_MARK = "xlcrm"


@record
class RenderedSheet:
    """A whole sheet: title row, header row, then a body given by columns."""

    name: str
    aliases: tuple[str, ...]  # its name in the other languages: an earlier run's sheet
    title: str
    headers: list[str]
    columns: list[tuple[str, pd.Series]]  # (kind, values) per column
    widths: list[int]
    links: list[str | None] | None = None  # per body row: the cell the first columns link to
    link_columns: tuple[int, ...] = ()  # 0-based columns that carry the link
    header_row: int = 2
    notes: list[Problem] = field(default_factory=list)
    kind: str = ""  # problems, due, points: names its Table (xlcrmDue …)
    wrap: tuple[bool, ...] = ()  # per column: long text, wrapped within its width

    @property
    def has_dates(self) -> bool:
        return any(kind in ("date", "datetime") for kind, _ in self.columns)


def owned_name(kind: str, lang: str) -> tuple[str, tuple[str, ...]]:
    """The sheet's name in ``lang`` and its names in the other languages."""
    name = say(f"sheet.{kind}", normalize_lang(lang))
    others = dict.fromkeys(say(f"sheet.{kind}", x) for x in LANGS)
    return name, tuple(n for n in others if n != name)


def empty_problems(lang: str) -> RenderedSheet:
    """What the Problems sheet says when the last run found none."""
    name, aliases = owned_name("problems", lang)
    return RenderedSheet(
        name, aliases, say("title.problems_none", lang), [], [], [60], header_row=0
    )


def header_text(code: str, lang: str) -> str:
    if code.startswith("schema:"):
        kind, _, key = code[len("schema:") :].partition(".")
        return sheet_spec(kind).column(key).label(lang)
    return say(code, lang)


def render(content: SheetContent, settings: dict[str, Any], lang: str) -> RenderedSheet:
    lang = normalize_lang(lang)
    name, aliases = owned_name(content.kind, lang)
    params = dict(content.params)
    title = say(content.title, lang, **params)
    if params.get("cut"):
        title += say("title.points_cut", lang, **params)
    ctx = {**settings, **content.context}
    columns = [(f.kind, _values(content.frame, f, ctx, lang)) for f in content.fields]
    headers = [header_text(f.header, lang) for f in content.fields]
    widths, wrap = fitted(headers, columns, [f.width for f in content.fields])
    sheet = RenderedSheet(
        name, aliases, title, headers, columns, widths, kind=content.kind, wrap=wrap
    )
    if content.kind == "problems":
        sheet.links = [_link(p) for p in content.frame["severity"].tolist()]
        sheet.link_columns = (2,)  # the Cell column
    return sheet


WIDEST = 60  # columns: longer text wraps within this width
SAMPLE = 20_000  # rows looked at for a column's width
WIDE = "[\u2e80-\uffef]"  # characters a cell shows about twice as wide (CJK)


def fitted(
    headers: list[str], columns: list[tuple[str, pd.Series]], least: list[int]
) -> tuple[list[int], tuple[bool, ...]]:
    """Each column as wide as its header and most of its text (the 95th percentile, so one
    long cell does not widen a column for everyone), from its declared width up to WIDEST;
    text longer than that wraps."""
    widths, wrap = [], []
    for head, (kind, values), w in zip(headers, columns, least, strict=True):
        if kind != "text" or not len(values):
            widths.append(max(w, _shown_width(head) + 2))
            wrap.append(False)
            continue
        text = arrow_text(values).drop_null()
        if len(text) > SAMPLE:  # a long sheet: every n-th row tells the widths as well
            text = text.take(np.arange(0, len(text), len(text) // SAMPLE))
        lengths = np.asarray(pc.utf8_length(text))
        if not pc.all(pc.string_is_ascii(text)).as_py():  # no regex pass over plain ASCII
            lengths = lengths + np.asarray(pc.count_substring_regex(text, WIDE))
        typical = int(np.quantile(lengths, 0.95)) if len(lengths) else 0
        longest = int(lengths.max()) if len(lengths) else 0
        widths.append(min(WIDEST, max(w, _shown_width(head) + 2, typical + 2)))
        wrap.append(longest > WIDEST)
    return widths, tuple(wrap)


def _shown_width(text: str) -> int:
    """Columns the text takes in a cell: a Chinese character about two."""
    return sum(2 if "\u2e80" <= ch <= "\uffef" else 1 for ch in str(text))


def _values(frame: pd.DataFrame, f: Field, ctx: dict[str, Any], lang: str) -> pd.Series:
    if f.words is None:
        return frame[f.key].reset_index(drop=True)
    fmt = FORMATTERS.get(f.words) or SHEET_FORMATTERS[f.words]
    words = arrow_text(fmt(frame, f.key, ctx, lang))
    return string_series(nulls_where(words, pc.equal(words, "")), pd.RangeIndex(len(words)))


def _problems(fn):
    def fmt(frame: pd.DataFrame, key: str, ctx: dict[str, Any], lang: str) -> pd.Series:
        return pd.Series([fn(p, lang) for p in frame[key].tolist()], dtype="string")

    return fmt


def problem_cell(p: Problem, lang: str) -> str:
    """The cell (or cells) a problem is about, as the Problems sheet's Cell column shows it."""
    rows = p.all_rows()
    col = p.column or ""
    if p.code == "more_rows" or not rows:
        return col
    if len(rows) == 1:
        return f"{col}{rows[0]}"
    text = location(Problem(p.severity, p.code, " ", rows=rows, column=p.column), lang)
    return text.strip()


def _link(p: Problem) -> str | None:
    """The owner's cell a problem points at, as a link location ('Sales'!C33)."""
    if not p.sheet:
        return None
    ref = f"{p.column or 'A'}{p.row}" if p.row else (f"{p.column}1" if p.column else "A1")
    return "'" + p.sheet.replace("'", "''") + "'!" + ref


def _source(frame: pd.DataFrame, key: str, ctx: dict[str, Any], lang: str) -> pd.Series:
    """Where a ledger event came from: an order, a year, a customer, or a sheet's row."""
    out = frame[key].to_numpy(dtype=object).copy()
    rules = frame["rule"].to_numpy()
    at = ((rules == "feedback") | (rules == "redemption")).nonzero()[0]
    at = np.array([i for i in at if isinstance(out[i], RowRef)], dtype=np.int64)
    if len(at):
        refs = out[at]
        names = ctx.get("sheets", {})
        sheet = {k: names.get(k) or sheet_spec(k).label(lang) for k in {r.kind for r in refs}}
        text = say_each(
            "fmt.source_row",
            lang,
            sheet=pd.Series([sheet[r.kind] for r in refs], dtype=object),
            row=pd.Series([r.row for r in refs], dtype=object),
        ).to_numpy(copy=True)
        noted = np.array([bool(r.note) for r in refs], dtype=bool)
        if noted.any():
            text[noted] = say_each(
                "fmt.source_note",
                lang,
                source=pd.Series(text[noted], dtype=object),
                note=pd.Series([r.note for r in refs[noted]], dtype=object),
            ).to_numpy()
        out[at] = text
    return pd.Series(out, index=frame.index).astype("string")


SHEET_FORMATTERS = {
    "severity": _problems(lambda p, lang: say(f"severity.{p.severity}", lang)),
    "problem_sheet": _problems(sheet_name),
    "problem_cell": _problems(problem_cell),
    "problem_header": _problems(lambda p, lang: p.header or ""),
    "problem_value": _problems(lambda p, lang: p.value or ""),
    "problem_message": _problems(problem_message),
    "rule": lambda frame, key, ctx, lang: words_of(frame[key].astype("string"), "rule", lang),
    "source": _source,
}


def due_table(result) -> tuple[list[str], list[list[Any]]]:
    """A due list (``DueResult``) as headers and rows of plain values, worded."""
    from ..owned import DUE_FIELDS

    frame = result.frame
    if frame is None:  # a book that could not be read, or whose errors stopped the list
        frame = pd.DataFrame({f.key: pd.Series(dtype=object) for f in DUE_FIELDS})
    content = SheetContent("due", "title.due", {}, DUE_FIELDS, frame)
    sheet = render_body(content, result.settings, result.lang)
    return sheet.headers, body_rows(sheet)


def render_body(content: SheetContent, settings: dict[str, Any], lang: str) -> RenderedSheet:
    """Headers and cells only (no title): for a table printed or written elsewhere."""
    lang = normalize_lang(lang)
    ctx = {**settings, **content.context}
    return RenderedSheet(
        "",
        (),
        "",
        [header_text(f.header, lang) for f in content.fields],
        [(f.kind, _values(content.frame, f, ctx, lang)) for f in content.fields],
        [f.width for f in content.fields],
    )


def body_rows(sheet: RenderedSheet) -> list[list[Any]]:
    """The body as rows of Python values: blanks None, dates as dates, numbers as numbers."""
    cols = [_plain(values, kind) for kind, values in sheet.columns]
    return [list(row) for row in zip(*cols, strict=True)] if cols else []


def _plain(values: pd.Series, kind: str) -> list[Any]:
    out = []
    for v in values.tolist():
        if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and v != v):
            out.append(None)
        elif isinstance(v, pd.Timestamp):
            out.append(v.to_pydatetime() if kind == "datetime" else v.date())
        elif hasattr(v, "item"):
            out.append(v.item())
        else:
            out.append(v)
    return out
