"""What a rule family declares about each column it fills."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OutputColumn:
    key: str
    en: str
    zh: str
    kind: str  # date, datetime, number, money, integer, text
    width: int
    explain_en: str
    explain_zh: str

    def label(self, lang: str = "en") -> str:
        return self.zh if lang == "zh" else self.en

    @property
    def labels(self) -> tuple[str, str]:
        return self.en, self.zh
