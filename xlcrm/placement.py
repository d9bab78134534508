"""Where xlcrm's output columns go on the owner's Customers sheet: one policy for every door.

An output column is found by its header in any language (an earlier run in English, the
owner's switch to Chinese) or by its key; a column not there yet is appended after the last
used column, in the order the families declare them. Positions never depend on the book's
language: only the header text of a new column does.
"""

from __future__ import annotations

from dataclasses import dataclass

from .present.columns import label, labels
from .problems import BookError
from .rules.base import OutputColumn
from .schema import normalize_label

MAX_COLS = 16_384


@dataclass(frozen=True)
class Placed:
    key: str
    col: int  # 1-based sheet column
    header: str | None  # the header to write: a new column; None: the column is there


def place_columns(
    header: dict[int, str],
    used: int,
    columns: list[OutputColumn],
    lang: str = "en",
    taken: list[str] | tuple[str, ...] = (),
) -> list[Placed]:
    """Each output column's sheet column; ``used`` is the last column in use (header, merged
    header cells, tables), ``taken`` the names a table on the sheet already has."""
    by_label: dict[str, int] = {}
    for col, text in header.items():
        by_label.setdefault(normalize_label(text), col)
    placed: list[Placed] = []
    names = [n.casefold() for n in taken]
    for oc in columns:
        col = next(
            (
                by_label[normalize_label(x)]
                for x in labels(oc.key)
                if normalize_label(x) in by_label
            ),
            None,
        )
        if col is not None:
            placed.append(Placed(oc.key, col, None))
            continue
        used += 1
        text = label(oc.key, lang)
        if used > MAX_COLS:
            raise BookError("no_room_for_column", label=text, last="XFD")
        text = unique_name(names, text)
        names.append(text.casefold())
        placed.append(Placed(oc.key, used, text))
    return placed


def unique_name(taken: list[str], wanted: str) -> str:
    """Table column names are unique ignoring case: add ' 2', ' 3' … where needed."""
    name, k = wanted, 2
    while name.casefold() in taken:
        name, k = f"{wanted} {k}", k + 1
    return name
