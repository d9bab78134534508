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


def test_the_documentation_site_builds_strictly(tmp_path):
    """The site (mkdocs, Material theme, the CLI reference made from the commands by
    mkdocs-click) builds with every warning an error: no broken link or missing page."""
    import subprocess
    import sys

    res = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert res.returncode == 0, res.stderr[-2000:]
    cli = (tmp_path / "site" / "cli" / "index.html").read_text("utf-8")
    assert "--keep-going" in cli and "xlcrm report" in cli
    trouble = (tmp_path / "site" / "troubleshooting" / "index.html").read_text("utf-8")
    assert "unknown_customer" in trouble and "dashboard_needs_update" in trouble


def test_the_fonts_the_docs_name_are_the_fonts_the_charts_look_for():
    import re

    from xlcrm.present.report import CJK_FONTS

    text = (ROOT / "docs" / "troubleshooting.md").read_text("utf-8")
    para = next(p for p in text.split("\n- ") if "the first of these that is installed" in p)
    listed = re.search(r"installed — (.*?)\. Windows", " ".join(para.split())).group(1)
    assert [n.strip() for n in listed.split(",")] == list(CJK_FONTS)
