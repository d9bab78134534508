"""``xlcrm report`` in words and pictures: the figures (``xlcrm.figures``) as sections of
small tables (for the terminal and the HTML page) and as bar charts (matplotlib, PNG), in the
book's language.

Chinese labels need a font with Chinese glyphs: the first installed one of ``CJK_FONTS`` is
used; without one the charts say so in a note and the labels may show as boxes
(``apt-get install fonts-noto-cjk`` or ``fonts-wqy-zenhei`` on Linux).
"""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path
from typing import Any

from ..record import record
from .words import normalize_lang, say

CJK_FONTS = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Heiti SC",
    "Arial Unicode MS",
)
LISTED = 20  # names listed under rising stars and slipping; the rest are counted


@record
class Section:
    key: str
    title: str
    head: list[str]
    rows: list[list[Any]]


def sections(result) -> list[Section]:
    """The report's tables, in the book's language."""
    f, lang = result.figures, normalize_lang(result.lang)
    cur = result.settings.get("currency") or ""
    out = [
        Section(
            "summary",
            say("ui.report.summary", lang, as_of=result.as_of),
            [say("ui.report.head.figure", lang), say("ui.report.head.value", lang)],
            [
                [say("ui.report.customers", lang), f"{f.customers:,}"],
                [say("ui.report.buyers", lang), f"{f.buyers:,}"],
                [say("ui.report.revenue", lang), f"{cur}{f.revenue:,.2f}"],
                [say("ui.report.points_outstanding", lang), f"{f.points_outstanding:,}"],
                [say("ui.report.points_expiring", lang), f"{f.points_expiring:,}"],
            ],
        ),
        _counted(
            "value_class", lang, f.value_class, f.customers, lambda k: say(f"value_class.{k}", lang)
        ),
        Section(
            "pyramid",
            say("ui.report.pyramid", lang),
            [
                say("ui.report.head.class", lang),
                say("ui.report.head.customers", lang),
                say("ui.report.head.revenue_share", lang),
            ],
            [[k, f"{f.pyramid[k]:,}", f"{f.pyramid_revenue_share[k]:.1%}"] for k in f.pyramid],
        ),
        _counted("tier", lang, f.tier, f.customers, lambda k: say(f"tier.{k}", lang)),
    ]
    if f.tags:
        top = dict(list(f.tags.items())[:10])
        out.append(_counted("tags", lang, top, f.customers, str))
    for key in ("rising_stars", "slipping"):
        who = getattr(f, key)
        rows = [[w["customer_id"], w["name"] or ""] for w in who[:LISTED]]
        if len(who) > LISTED:
            rows.append(["", say("ui.report.more", lang, count=len(who) - LISTED)])
        out.append(
            Section(
                key,
                say(f"ui.report.{key}", lang, count=len(who)),
                [say("ui.report.head.id", lang), say("ui.report.head.name", lang)],
                rows,
            )
        )
    out.append(
        Section(
            "due",
            say("ui.report.due", lang, days=f.due_days, count=sum(f.due_by_priority.values())),
            [say("ui.report.head.priority", lang), say("ui.report.head.contacts", lang)],
            [[p, f"{n:,}"] for p, n in f.due_by_priority.items()],
        )
    )
    out.append(_churn(f.churn, lang, cur))
    return out


def _counted(key: str, lang: str, counts: dict, total: int, word) -> Section:
    return Section(
        key,
        say(f"ui.report.{key}", lang),
        [
            say(f"ui.report.head.{key}", lang),
            say("ui.report.head.customers", lang),
            say("ui.report.head.share", lang),
        ],
        [[word(k), f"{n:,}", f"{(n / total if total else 0):.1%}"] for k, n in counts.items()],
    )


def _churn(churn: dict, lang: str, cur: str) -> Section:
    head = [say("ui.report.head.figure", lang), say("ui.report.head.value", lang)]
    if not churn.get("fitted"):
        why = churn.get("why_not") or "no_sales"
        text = say(f"problem.churn_not_fitted.{why}", lang, **{k: v for k, v in churn.items()})
        return Section("churn", say("ui.report.churn", lang), head, [[text, ""]])
    bg, gg = churn["bgnbd"], churn["gamma_gamma"]
    rows = [
        ["BG/NBD r, alpha, a, b", ", ".join(f"{bg[k]:.3f}" for k in ("r", "alpha", "a", "b"))],
        [say("ui.report.log_likelihood", lang), f"{bg['log_likelihood']:,.1f}"],
        ["Gamma-Gamma p, q, v", ", ".join(f"{gg[k]:.3f}" for k in ("p", "q", "v"))],
        [say("ui.report.fitted_on", lang), f"{bg['customers']:,} / {gg['customers']:,}"],
    ]
    months = churn["clv_months"]
    for k, v in sorted(churn["revenue_by_value_class"].items(), key=lambda kv: -kv[1]):
        label = say("ui.report.next_months", lang, months=months, cls=say(f"value_class.{k}", lang))
        rows.append([label, f"{cur}{v:,.0f}"])
    return Section("churn", say("ui.report.churn", lang), head, rows)


# --- charts ------------------------------------------------------------------------------


def chart_font(lang: str) -> str | None:
    """A font that has the book's characters; None when no Chinese one is installed."""
    if lang != "zh":
        return "DejaVu Sans"
    from matplotlib import font_manager

    def found() -> str | None:
        names = {f.name for f in font_manager.fontManager.ttflist}
        return next((n for n in CJK_FONTS if n in names), None)

    name = found()
    if name is None:  # fonts installed after matplotlib made its font cache: look again
        font_manager.fontManager = font_manager._load_fontmanager(try_read_cache=False)
        name = found()
    return name


CHARTS = ("value_class", "pyramid", "tier", "due")


def charts(result) -> dict[str, bytes]:
    """The report's bar charts as PNG bytes, by name."""
    import logging

    import matplotlib

    matplotlib.use("Agg")
    # a font with one weight only makes matplotlib log a line per chart: nothing to act on
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    from matplotlib import pyplot as plt

    f, lang = result.figures, normalize_lang(result.lang)
    font = chart_font(lang)
    data = {
        "value_class": (
            [say(f"value_class.{k}", lang) for k in f.value_class],
            list(f.value_class.values()),
            say("ui.report.head.customers", lang),
        ),
        "pyramid": (
            list(f.pyramid_revenue_share),
            [100 * v for v in f.pyramid_revenue_share.values()],
            say("ui.report.head.revenue_share", lang) + " (%)",
        ),
        "tier": (
            [say(f"tier.{k}", lang) for k in f.tier],
            list(f.tier.values()),
            say("ui.report.head.customers", lang),
        ),
        "due": (
            [str(p) for p in f.due_by_priority],
            list(f.due_by_priority.values()),
            say("ui.report.head.contacts", lang),
        ),
    }
    titles = {
        "value_class": say("ui.report.value_class", lang),
        "pyramid": say("ui.report.pyramid", lang),
        "tier": say("ui.report.tier", lang),
        "due": say("ui.report.due", lang, days=f.due_days, count=sum(f.due_by_priority.values())),
    }
    out = {}
    style = {"font.family": font} if font else {}
    with plt.rc_context(style):
        for name in CHARTS:
            labels, values, axis = data[name]
            fig, ax = plt.subplots(figsize=(7, 3.6), dpi=100)
            ax.barh(labels[::-1], values[::-1], color="#4E79A7")
            ax.set_title(titles[name], fontsize=11)
            ax.set_xlabel(axis)
            for spine in ("top", "right"):
                ax.spines[spine].set_visible(False)
            fig.tight_layout()
            buf = io.BytesIO()
            fig.savefig(buf, format="png")
            plt.close(fig)
            out[name] = buf.getvalue()
    return out


def write_charts(result, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, png in charts(result).items():
        path = folder / f"{name}.png"
        path.write_bytes(png)
        paths.append(path)
    return paths


# --- one HTML page -----------------------------------------------------------------------


def report_html(result) -> str:
    """One self-contained page: styles inline, charts as data: URIs, no external reference."""
    lang = normalize_lang(result.lang)
    title = say("ui.report.title", lang, name=Path(result.path).name)
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title>",
        "<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:60em}"
        "table{border-collapse:collapse;margin:.5em 0 1.5em}"
        "td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left}"
        "th{background:#E2EFDA}img{max-width:100%}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
    ]
    pictures = charts(result)
    for sec in sections(result):
        parts.append(f"<h2>{html.escape(sec.title)}</h2>")
        if sec.key in pictures:
            data = base64.b64encode(pictures[sec.key]).decode()
            parts.append(f'<img alt="{html.escape(sec.title)}" src="data:image/png;base64,{data}">')
        parts.append("<table><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in sec.head))
        for row in sec.rows:
            cells = "".join(f"<td>{html.escape(str(v))}</td>" for v in row)
            parts.append(f"<tr>{cells}</tr>")
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts)
