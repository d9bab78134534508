"""Problems in words: where each one is, what is wrong, and how to fix it, in the book's language."""

from __future__ import annotations

import re
from typing import Any

from ..problems import WARNING, Problem
from ..schema import ColumnSpec, settings_schema, sheet_spec
from .words import normalize_lang, say, variant

HINTED = ("schema_", "bad_date", "bad_number")
UNHINTED = {"schema_enum", "schema_multipleOf", "schema_const"}
SHOWN_CELLS = 5
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def sheet_name(p: Problem, lang: str) -> str:
    if p.sheet:
        return p.sheet
    return sheet_spec(p.kind).label(lang) if p.kind else ""


def location(p: Problem, lang: str = "en") -> str:
    """Sheet and cell, or the cells of a cause found in several rows: 销售 C33–C37（5 行）."""
    lang = normalize_lang(lang)
    sheet = sheet_name(p, lang)
    rows = p.all_rows()
    if p.code == "more_rows" or (not rows and p.column):
        text = say("loc.column", lang, sheet=sheet, column=p.column) if p.column else sheet
    elif len(rows) > 1:
        text = f"{sheet} {_span(rows, p.column or '', lang)}"
    elif p.column and p.row:
        text = say("loc.cell", lang, sheet=sheet, cell=f"{p.column}{p.row}")
    elif p.row:
        text = say("loc.row", lang, sheet=sheet, row=p.row)
    else:
        text = sheet
    if p.header:
        text += say("loc.header", lang, header=clip(p.header, 40))
    return text.strip()


def _span(rows: tuple[int, ...], column: str, lang: str) -> str:
    n = len(rows)
    if rows[-1] - rows[0] + 1 == n:  # one block of rows
        if column:
            return say(
                "loc.span", lang, first=f"{column}{rows[0]}", last=f"{column}{rows[-1]}", count=n
            )
        return say("loc.rows_span", lang, first=rows[0], last=rows[-1], count=n)
    shown = say("ui.list_sep", lang).join(f"{column}{r}" for r in rows[:SHOWN_CELLS])
    if n > SHOWN_CELLS:
        shown += say("loc.more", lang)
    if column:
        return say("loc.list", lang, cells=shown, count=n)
    return say("loc.rows_list", lang, rows=shown, count=n)


def problem_message(p: Problem, lang: str = "en") -> str:
    """What is wrong and what to do, with the column's hint where the schema gives one."""
    lang = normalize_lang(lang)
    params = dict(p.params)
    col = _column(p)
    params.update(_derived(p, col, lang))
    code = variant(f"problem.{p.code}", params)
    text = say(code, lang, **params)
    if col is not None and p.code.startswith(HINTED) and p.code not in UNHINTED:
        hint = col.hint.get(lang) or col.hint.get("en") if col.hint else ""
        if hint:
            text = f"{text} {hint}"
    if col is not None and ignored(p, col):
        text = f"{text} {say('problem.ignored', lang)}"
    return text


def ignored(p: Problem, col: ColumnSpec) -> bool:
    """A wrong value in a column that cannot make a customer's numbers wrong is a warning,
    and the value is left aside (see validation.check_sheet)."""
    return (
        p.severity == WARNING
        and col.severity == WARNING
        and (p.code.startswith("schema_") or p.code in ("not_in_list", "not_boolean"))
    )


def problem_line(p: Problem, lang: str = "en") -> str:
    """One line for a terminal: severity, where, the value, what to do."""
    lang = normalize_lang(lang)
    value = f" [{clip(p.value)}]" if p.value not in (None, "") else ""
    where = location(p, lang)
    return say(
        "ui.problem_line" if where or value else "ui.problem_line.whole_book",
        lang,
        severity=say(f"severity_line.{p.severity}", lang),
        location=where,
        value=value,
        message=problem_message(p, lang),
    )


def problem_dict(p: Problem, lang: str = "en") -> dict[str, Any]:
    rows = p.all_rows()
    return {
        "severity": p.severity,
        "code": p.code,
        "sheet": sheet_name(p, lang),
        "row": p.row,
        "column": p.column,
        "header": p.header,
        "value": p.value,
        "rows": list(rows[:100]),
        "count": p.count if rows else 0,
        "location": location(p, lang),
        "message": problem_message(p, lang),
        "params": {k: v for k, v in p.params.items() if isinstance(v, str | int | float)},
    }


def clip(value: object, limit: int = 60) -> str:
    """A value as one short, printable line: control characters (escape, bell) are dropped."""
    s = "" if value is None else _CONTROL.sub("", str(value).replace("\n", "\\n"))
    return s if len(s) <= limit else s[: limit - 1] + "…"


def _column(p: Problem) -> ColumnSpec | None:
    if not p.kind or not p.key or p.kind == "settings":
        return None
    try:
        return sheet_spec(p.kind).column(p.key)
    except KeyError:
        return None


def _derived(p: Problem, col: ColumnSpec | None, lang: str) -> dict[str, Any]:
    """The values a sentence needs that depend on the language: labels, lists, numbers."""
    out: dict[str, Any] = {}
    other = "zh" if lang == "en" else "en"
    if col is not None:
        label = col.label(lang)
        out["column"] = label.lower() if lang == "en" else label
        out["label"], out["other"] = col.label(lang), col.label(other)
        if col.choices:
            out["allowed"] = choices_text(col, lang)
        if p.code == "schema_type" and col.schema.get("type") == "integer":
            out["variant"] = "integer"
        if p.code == "schema_minLength" and int(col.schema.get("minLength", 0)) <= 1:
            out["variant"] = "empty"
    if p.kind and "sheet" not in p.params:
        out["sheet"] = sheet_name(p, lang)
    if "limit" in p.params:
        out["limit"] = number(p.params["limit"])
    if "output" in p.params:
        out["output_label"] = say(f"column.{p.params['output']}", lang)
    if "setting" in p.params:
        out["setting"] = setting_label(p.params["setting"], lang)
    if isinstance(p.params.get("by_class"), dict):  # amounts by value class, worded
        cur = p.params.get("currency", "")
        out["by_class"] = say("ui.list_sep", lang).join(
            f"{say(f'value_class.{k}', lang)} {cur}{v:,.0f}"
            for k, v in sorted(p.params["by_class"].items(), key=lambda kv: -kv[1])
        )
    return out


def choices_text(col: ColumnSpec, lang: str) -> str:
    other = "zh" if lang == "en" else "en"
    return say("ui.list_sep", lang).join(
        f"{c.labels.get(lang, c.value)} ({c.labels.get(other, c.value)})" for c in col.choices
    )


def setting_label(key: str | None, lang: str) -> str:
    props = settings_schema()["properties"]
    if not key or key not in props:
        return str(key or "")
    return props[key]["x-label"].get(lang) or props[key]["x-label"]["en"]


def number(v: Any) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def fatal_params(code: str, params: dict[str, Any], lang: str) -> dict[str, Any]:
    """Values the fatal sentences need that depend on the language."""
    out = dict(params)
    other = "zh" if lang == "en" else "en"
    kind = params.get("kind")
    if kind:
        spec = sheet_spec(kind)
        out.setdefault("label", spec.label(lang))
        out.setdefault("other", spec.label(other))
        wanted = [spec.column(k).label(lang) for k in spec.required]
        out.setdefault("wanted", say("ui.list_sep", lang).join(wanted))
    if "formula" in params:
        out["formula"] = say(f"formula.{params['formula']}", lang)
    if "sheet" not in out:
        out["sheet"] = sheet_spec("customers").label(lang)
    return out
