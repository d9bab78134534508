"""What a rule family declares about each column it fills: its key, its kind, its words.

The columns are data (``xlcrm/schemas/outputs.json``): kind and width, and the vocabulary
(``words``) their codes come from or the formatter that words their values. A column's header,
its explanation and the words of its codes are the presentation layer's
(``xlcrm/present/catalog.json`` under ``column.<key>`` and ``explain.<key>``).
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from ..record import record


@record(frozen=True)
class OutputColumn:
    """A column xlcrm computes: its key, its kind for the writer, its width, its vocabulary."""

    key: str
    kind: str  # date, datetime, number, money, integer, text
    width: int
    words: str | None = None  # vocabulary of its codes (value_class, yes_no, …); None: as is


@cache
def _declared() -> dict[str, dict]:
    text = resources.files("xlcrm.schemas").joinpath("outputs.json").read_text("utf-8")
    return json.loads(text)["columns"]


def declare(keys: str) -> tuple[OutputColumn, ...]:
    """The output columns named (space-separated), in that order, as outputs.json has them."""
    found = _declared()
    return tuple(OutputColumn(k, **found[k]) for k in keys.split())
