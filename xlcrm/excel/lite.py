"""The code an owner pastes into xlwings Lite (Python in the browser, in Excel on Windows,
macOS and the web): ``main.py`` with one script per button, and ``requirements.txt``.

Each script is bound to a sheet button the way xlwings Lite binds them: a shape named as
in ``[name]`` whose hyperlink points at the cell after it (Insert > Shapes, then Link >
Place in this document). The scripts also run from xlwings Lite's own Run button.
"""

from __future__ import annotations

from .. import __version__
from ..present.words import say
from ..schema import sheet_spec

SCRIPTS = (  # function, the xlcrm.excel call, button shape
    ("update_crm", "update", "xlcrm_update"),
    ("check_book", "validate", "xlcrm_check"),
    ("contacts_due", "due", "xlcrm_due"),
)


def main_py(lang: str = "en") -> str:
    """main.py: the scripts, their buttons on the Customers sheet (named in ``lang``)."""
    sheet = sheet_spec("customers").label(lang)
    cells = {"update_crm": "A1", "check_book": "B1", "contacts_due": "C1"}
    out = [
        '"""xlcrm in xlwings Lite: buttons that update the CRM columns, check the workbook',
        'and list the contacts due. Made by `xlcrm lite`; see docs/excel.md."""',
        "",
        "import xlwings as xw",
        "from xlwings import script",
        "",
        "import xlcrm.excel",
        "",
    ]
    for fn, call, shape in SCRIPTS:
        name = say(f"ui.lite.{fn}", lang)
        where = sheet if sheet.isidentifier() else "'" + sheet.replace("'", "''") + "'"
        ref = f"[{shape}]{where}!{cells[fn]}"
        out += ["", f'@script(name="{name}", button="{ref}")', f"def {fn}(book: xw.Book):"]
        out.append(f'    """{say(f"ui.lite.{fn}_doc", lang)}"""')
        out.append(f"    result = xlcrm.excel.{call}(book)")
        if call == "validate":
            out.append("    for p in result.problems:")
            out.append("        print(p.text(result.lang))")
        if call == "due":
            out.append("    if result.frame is not None:")
            out.append("        headers, rows = result.table()")
            out.append("        for row in rows:")
            out.append('            print(" | ".join("" if v is None else str(v) for v in row))')
        out.append("    print(result.summary())")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def requirements_txt() -> str:
    """requirements.txt: xlcrm and nothing else (pandas, numpy and pyarrow come with
    Pyodide; the desktop-only dependencies are skipped there by their markers)."""
    return (
        "# xlcrm for xlwings Lite. Where this version is not on PyPI, replace the line with\n"
        "# the URL of its wheel (pip wheel . in a clone makes it).\n"
        f"xlcrm=={__version__}\n"
    )
