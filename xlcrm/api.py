"""The Python API: the same calls the CLI and the Excel buttons make."""

from __future__ import annotations

from pathlib import Path

from .demo import demo_data
from .template import build_workbook


def init_workbook(
    path: str | Path, lang: str = "en", demo: int | None = None, seed: int = 7
) -> Path:
    """A new workbook from the template, optionally with ``demo`` seeded demo customers."""
    data = demo_data(demo, lang=lang, seed=seed) if demo else None
    return build_workbook(path, lang, data)
