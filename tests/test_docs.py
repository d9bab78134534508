from pathlib import Path

from xlcrm.docgen import render

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_generated_doc_blocks_are_current():
    for path in DOCS.glob("*.md"):
        text = path.read_text("utf-8")
        assert render(text) == text, f"run `python -m xlcrm.docgen`: {path.name} is stale"
