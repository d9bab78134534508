"""Where xlcrm's output columns go on the owner's Customers sheet: one policy for every door.

An output column is found by its header in any language (an earlier run in English, the
owner's switch to Chinese) or by its key; a column not there yet is appended after the last
used column, in the order the families declare them. Positions never depend on the book's
language: only the header text of a new column does.
"""

from __future__ import annotations

from .present.columns import label, labels
from .problems import NOTE, BookError, Problem
from .record import record
from .rules.base import OutputColumn
from .schema import normalize_label
from .xlsx.cellref import col_letter

MAX_COLS = 16_384


@record(frozen=True)
class Placed:
    """Where one output column goes on the Customers sheet, and the header to write when it
    is new."""

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
    found = find_columns(header, columns)
    placed: list[Placed] = []
    names = [n.casefold() for n in taken]
    for oc in columns:
        col = found.get(oc.key)
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


def find_columns(header: dict[int, str], columns: list[OutputColumn]) -> dict[str, int]:
    """The sheet column of each output column whose header is there, in any language."""
    by_label: dict[str, int] = {}
    for col, text in header.items():
        by_label.setdefault(normalize_label(text), col)
    out = {}
    for oc in columns:
        for x in labels(oc.key):
            if normalize_label(x) in by_label:
                out[oc.key] = by_label[normalize_label(x)]
                break
    return out


def renamed(header: dict[int, str], columns: list[OutputColumn]) -> list[tuple[str, int, str]]:
    """Output columns the owner seems to have renamed: (key, the column, its header now).

    xlcrm's columns stand side by side in their declared order; a missing one whose place
    next to its neighbours holds a header xlcrm does not know was most likely renamed. That
    column is the owner's now and no longer filled; the owner is told once per run.
    """
    found = find_columns(header, columns)
    known = set(found.values())
    keys = [c.key for c in columns]
    out = []
    for i, key in enumerate(keys):
        if key in found:
            continue
        before = found.get(keys[i - 1]) if i > 0 else None
        after = found.get(keys[i + 1]) if i + 1 < len(keys) else None
        if before is not None and after is not None and after != before + 2:
            continue
        guess = before + 1 if before is not None else (after - 1 if after is not None else None)
        if guess is None or guess in known or guess not in header:
            continue
        out.append((key, guess, header[guess]))
    return out


def renamed_note(key: str, col: int, text: str, now: int) -> Problem:
    """The note that an output column seems renamed, and where xlcrm writes it now."""
    return Problem(
        NOTE,
        "renamed_output",
        column=col_letter(col),
        header=text,
        params={"output": key, "new": col_letter(now)},
        kind="customers",
    )


def unique_name(taken: list[str], wanted: str) -> str:
    """Table column names are unique ignoring case: add ' 2', ' 3' … where needed."""
    name, k = wanted, 2
    while name.casefold() in taken:
        name, k = f"{wanted} {k}", k + 1
    return name
