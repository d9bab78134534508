"""The line that closes each command's output, in the book's language."""

from __future__ import annotations

from .words import normalize_lang, say


def summary(result) -> str:
    from ..results import DueResult, UpdateResult, ValidationResult

    lang = normalize_lang(result.lang)
    path = str(result.path)
    if result.fatal:
        return f"{path}: {result.fatal}"
    if isinstance(result, ValidationResult):
        return _validation(result, path, lang)
    if isinstance(result, UpdateResult):
        return _update(result, path, lang)
    if isinstance(result, DueResult):
        if result.frame is None:
            key = "ui.due.blocked_sheet" if result.whole_sheet else "ui.due.blocked"
            return say(key, lang, path=path, errors=len(result.errors))
        return say("ui.due.footer", lang, count=len(result.frame), as_of=result.as_of)
    raise TypeError(type(result).__name__)


def _validation(r, path: str, lang: str) -> str:
    sep = say("ui.list_sep", lang)
    rows = sep.join(say("ui.rows_of", lang, count=n, sheet=name) for name, n in r.rows.items())
    verdict = say("ui.verdict.bad" if r.errors else "ui.verdict.ok", lang)
    return say(
        "ui.validate.summary",
        lang,
        path=path,
        verdict=verdict,
        errors=len(r.errors),
        warnings=len(r.warnings),
        rows=rows,
    )


def _update(r, path: str, lang: str) -> str:
    if r.blocked:
        key = "ui.update.not_updated_sheet" if r.whole_sheet else "ui.update.not_updated"
        return say(key, lang, path=path, errors=len(r.errors))
    extra = ""
    if r.sales_after_as_of:
        extra += say("ui.update.after_as_of", lang, count=r.sales_after_as_of)
    if r.rows_left_out:
        extra += say("ui.update.left_out", lang, count=r.rows_left_out)
    if r.customers_left_out:
        extra += say("ui.update.cleared", lang, count=r.customers_left_out)
    what = (
        say("ui.update.dry_run", lang) if r.dry_run else say("ui.update.written", lang, out=r.out)
    )
    return say(
        "ui.update.summary",
        lang,
        path=path,
        customers=r.customers,
        sales=r.sales_rows,
        extra=extra,
        columns=len(r.columns),
        as_of=r.as_of,
        warnings=len(r.warnings),
        what=what,
        seconds=r.seconds,
    )
