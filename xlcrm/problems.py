"""Problems found in a workbook, and the one exception that means 'this file cannot be read'."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

ERROR = "error"
WARNING = "warning"
NOTE = "note"


class BookError(Exception):
    """The file cannot be read as an xlcrm workbook; the message says why in plain words."""


@dataclass(frozen=True)
class Problem:
    severity: str
    sheet: str
    row: int | None
    column: str | None  # Excel column letter
    header: str | None
    value: str | None
    message: str
    code: str = ""

    def location(self) -> str:
        parts = [self.sheet] if self.sheet else []
        if self.column and self.row:
            parts.append(f"{self.column}{self.row}")
        elif self.row:
            parts.append(f"row {self.row}")
        elif self.column:
            parts.append(f"column {self.column}")
        if self.header:
            parts.append(f"({self.header})")
        return " ".join(parts)

    def as_text(self) -> str:
        loc = self.location()
        val = f" [{_clip(self.value)}]" if self.value not in (None, "") else ""
        return f"{self.severity.upper():7} {loc}{val}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _clip(value: str | None, limit: int = 60) -> str:
    s = "" if value is None else str(value).replace("\n", "\\n")
    return s if len(s) <= limit else s[: limit - 1] + "…"


def sort_key(p: Problem) -> tuple:
    order = {ERROR: 0, WARNING: 1, NOTE: 2}
    col = p.column or ""
    return (order.get(p.severity, 3), p.sheet, p.row or 0, len(col), col, p.code)
