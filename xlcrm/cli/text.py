"""Text for a terminal: display widths (a Chinese character takes two columns), tables that
fit the window, long text shortened at a word boundary, and cells made safe to print or to
open as CSV."""

from __future__ import annotations

import shutil
import unicodedata
from collections.abc import Sequence

ELLIPSIS = "…"
GAP = "  "
MIN_FLEX = 8  # a shortened column keeps at least this many columns
# where text may be cut: after a space or a Chinese punctuation mark; between two Chinese
# characters (Chinese has no spaces between words)
BREAKS = set(" ,;:/，；：、。）)")
CSV_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _width(text: str) -> int:
    """Columns a terminal gives the text: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def terminal_width() -> int:
    """The window's width (COLUMNS when set); 120 when the output is not a terminal."""
    return shutil.get_terminal_size((120, 24)).columns


def printable(text: str) -> str:
    """Text for a terminal: no escape sequences, bells or other control characters."""
    return "".join(ch for ch in text if ch.isprintable())


def csv_safe(value: object) -> object:
    """A cell a spreadsheet opening the CSV will not run: text that starts like a formula
    gets a leading apostrophe (OWASP's advice against CSV injection); numbers stay numbers."""
    if isinstance(value, str) and value.startswith(CSV_FORMULA):
        return "'" + value
    return value


def _wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in "WF"


def shorten(text: str, width: int, keep_end: bool = False) -> str:
    """``text`` in at most ``width`` columns: whole when it fits, else cut at the last word
    boundary that leaves room for an ellipsis (mid-word only when a word is longer than half
    the room). ``keep_end`` keeps the end instead (a path's file name)."""
    if _width(text) <= width:
        return text
    if width <= 1:
        return ELLIPSIS[:width]
    if keep_end:
        return ELLIPSIS + _fit(text[::-1], width - 1)[::-1]
    head = _fit(text, width - 1)
    if not _boundary(head[-1], text[len(head)]):  # a word cut: back to where one ends
        cut = _last_break(head)
        if cut >= len(head) // 2:
            head = head[:cut]
    return head.rstrip(" ,;:/，；：、") + ELLIPSIS


def _fit(text: str, width: int) -> str:
    out, used = [], 0
    for ch in text:
        w = 2 if _wide(ch) else 1
        if used + w > width:
            break
        out.append(ch)
        used += w
    return "".join(out)


def _boundary(a: str, b: str) -> bool:
    """Whether text may be cut between ``a`` and ``b``."""
    return b in BREAKS or a in BREAKS or (_wide(a) and _wide(b))


def _last_break(head: str) -> int:
    """How much of ``head`` ends at a word boundary (0: none)."""
    for i in range(len(head) - 1, 0, -1):
        if _boundary(head[i - 1], head[i]):
            return i
    return 0


def pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def fit_widths(
    natural: Sequence[int],
    flexible: Sequence[bool],
    room: int,
    least: Sequence[int] | None = None,
) -> list[int]:
    """Column widths within ``room``. A fixed column keeps its width, though when room is
    short it gives up what its header needs beyond its values (``least``); flexible ones
    share what is left, the narrow ones whole and the wide ones cut to one common cap."""
    widths = list(natural)
    least = least or natural
    floor = sum(min(w, MIN_FLEX) for w, f in zip(widths, flexible, strict=True) if f)
    over = sum(w for w, f in zip(widths, flexible, strict=True) if not f) + floor - room
    for i, f in enumerate(flexible):
        if over > 0 and not f:
            give = min(widths[i] - least[i], over)
            widths[i] -= give
            over -= give
    spare = room - sum(w for w, f in zip(widths, flexible, strict=True) if not f)
    flex = sorted((w, i) for i, (w, f) in enumerate(zip(widths, flexible, strict=True)) if f)
    for k, (w, i) in enumerate(flex):
        share = max(MIN_FLEX, spare // (len(flex) - k))
        widths[i] = min(w, share)
        spare -= widths[i]
    return widths


def table(
    head: Sequence[str],
    rows: Sequence[Sequence[object]],
    flexible: Sequence[bool] | None = None,
    keep_end: Sequence[bool] | None = None,
    width: int | None = None,
) -> list[str]:
    """Lines of a table within ``width`` columns (the terminal's), long cells shortened."""
    cells = [[printable(str(h)) for h in head]] + [
        ["" if v is None else printable(str(v)) for v in row] for row in rows
    ]
    n = len(head)
    flexible = flexible or [True] * n
    keep_end = keep_end or [False] * n
    natural = [max(_width(c[i]) for c in cells) for i in range(n)]
    values = [max([_width(c[i]) for c in cells[1:]] or [1]) for i in range(n)]
    room = (width or terminal_width()) - len(GAP) * (n - 1)
    widths = fit_widths(
        natural, flexible, room, [min(n, max(3, v)) for n, v in zip(natural, values, strict=True)]
    )
    lines = []
    for line in cells:
        shown = [
            pad(shorten(v, w, end), w) for v, w, end in zip(line, widths, keep_end, strict=True)
        ]
        lines.append(GAP.join(shown).rstrip())
    return lines
