from pathlib import Path

from xlcrm.docgen import documents, render

ROOT = Path(__file__).resolve().parent.parent


def test_generated_doc_blocks_are_current():
    """The README's command table and the docs' reference tables are made from the code:
    a changed command, option, column or setting fails here until they are regenerated."""
    paths = documents(ROOT)
    assert ROOT / "README.md" in paths and len(paths) > 3
    readme = (ROOT / "README.md").read_text("utf-8")
    assert "<!-- generated:commands -->" in readme and "`xlcrm restore BOOK`" in readme
    for path in paths:
        text = path.read_text("utf-8")
        assert render(text) == text, f"run `python -m xlcrm.docgen`: {path.name} is stale"
