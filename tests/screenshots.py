"""Pictures of what xlcrm makes, through the tests' own path: LibreOffice renders the
Dashboard (PDF, one page a sheet, then pdftoppm), matplotlib draws the report's charts.

``python tests/screenshots.py`` writes the documentation's screenshots into docs/img.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image, ImageChops
from xlsxparts import libreoffice_convert

ROOT = Path(__file__).resolve().parent.parent


def sheet_png(book: Path, sheet_index: int, out: Path, dpi: int = 60) -> Path:
    """One sheet of the book as LibreOffice prints it (each sheet on one page), cropped to
    what is on it."""
    work = Path(tempfile.mkdtemp(prefix="xlcrm-shot-"))
    libreoffice_convert(
        book, work, 'pdf:calc_pdf_Export:{"SinglePageSheets":{"type":"boolean","value":"true"}}'
    )
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        raise FileNotFoundError("pdftoppm (poppler-utils)")
    page = str(sheet_index + 1)
    prefix = work / "page"
    subprocess.run(
        [
            pdftoppm,
            "-f",
            page,
            "-l",
            page,
            "-r",
            str(dpi),
            "-png",
            str(work / f"{book.stem}.pdf"),
            str(prefix),
        ],
        check=True,
        timeout=120,
    )
    image = Image.open(next(work.glob("page*.png"))).convert("RGB")
    blank = Image.new("RGB", image.size, (255, 255, 255))
    box = ImageChops.difference(image, blank).getbbox()
    if box is not None:
        image = image.crop((max(box[0] - 10, 0), max(box[1] - 10, 0), box[2] + 10, box[3] + 10))
    image.save(out)
    shutil.rmtree(work, ignore_errors=True)
    return out


def main() -> None:
    sys.path.insert(0, str(ROOT))
    import openpyxl

    import xlcrm
    from xlcrm.present.report import write_charts

    soffice = shutil.which("soffice")
    if soffice is None:
        raise SystemExit("LibreOffice (soffice) is needed for the Dashboard's picture")
    img = ROOT / "docs" / "img"
    img.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        book = Path(tmp) / "demo.xlsx"
        xlcrm.init_workbook(book, demo=300, seed=7)
        xlcrm.update(book, backup=False)
        names = openpyxl.load_workbook(book, read_only=True).sheetnames
        sheet_png(book, names.index("Dashboard"), img / "dashboard.png", dpi=150)
        report = xlcrm.report(book)
        for path in write_charts(report, Path(tmp) / "charts"):
            shutil.copy(path, img / f"report-{path.name}")
    print(f"wrote {sorted(p.name for p in img.glob('*.png'))}")


if __name__ == "__main__":
    main()
