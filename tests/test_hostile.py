"""One test per attack or oddity: each file is built here, refused with a plain message (exit
code 2) within seconds, and left byte-identical."""

from __future__ import annotations

import io
import zipfile

import pytest
from conftest import basic_sheets, write_book

import xlcrm


def parts_of(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {i.filename: z.read(i.filename) for i in z.infolist()}


def rezip(path, parts: dict[str, bytes], dup: tuple[str, bytes] | None = None) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
        if dup:
            z.writestr(*dup)
    path.write_bytes(buf.getvalue())


def refused(path, words: str) -> None:
    """Both commands refuse the file with one line naming what is wrong, and change nothing."""
    assert words, "a refusal test must name the words it expects"
    data = path.read_bytes()
    v = xlcrm.validate(path)
    u = xlcrm.update(path)
    assert v.exit_code == 2 and words in v.fatal, v.fatal
    assert "\n" not in v.fatal and "Traceback" not in v.fatal
    assert u.exit_code == 2 and not u.written
    assert path.read_bytes() == data


LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        f'<!ENTITY lol{i} "{"&lol" + str(i - 1) + ";" if i > 1 else "&lol;"}'.encode()
        + b'&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        for i in range(1, 10)
    )
    + b"]>"
)


@pytest.mark.parametrize(
    "part", ["xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/worksheets/sheet1.xml"]
)
def test_entity_expansion_refused(book, part):
    path = book()
    parts = parts_of(path)
    parts[part] = LAUGHS + parts[part].split(b"?>", 1)[1]
    rezip(path, parts)
    refused(path, f"The part {part} declares a DTD or entities")


def test_external_entity_never_resolved(book, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET")
    path = book()
    parts = parts_of(path)
    xxe = f'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file://{secret}">]>'.encode()
    parts["xl/workbook.xml"] = xxe + parts["xl/workbook.xml"].split(b"?>", 1)[1].replace(
        b'name="Customers"', b'name="&e;"'
    )
    rezip(path, parts)
    v = xlcrm.validate(path)
    assert v.exit_code == 2 and "TOPSECRET" not in (v.fatal or "")


def test_zip_bomb_by_ratio(book):
    path = book()
    parts = parts_of(path)
    parts["xl/media/bomb.bin"] = b"\0" * (40 * 1024 * 1024)
    rezip(path, parts)
    refused(path, "zip bomb")


def test_too_many_members(book):
    path = book()
    parts = parts_of(path)
    for i in range(10_001):
        parts[f"xl/junk/{i}.xml"] = b"<a/>"
    rezip(path, parts)
    refused(path, "parts")


@pytest.mark.parametrize("name", ["../evil.xml", "/etc/evil.xml", "C:/evil.xml"])
def test_unsafe_member_names(book, name):
    path = book()
    parts = parts_of(path)
    parts[name] = b"<a/>"
    rezip(path, parts)
    refused(path, "unsafe name")


def test_duplicate_member_names(book):
    path = book()
    parts = parts_of(path)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rezip(path, parts, dup=("xl/workbook.xml", parts["xl/workbook.xml"]))
    refused(path, "twice")


@pytest.mark.parametrize(
    "missing,words",
    [
        ("[Content_Types].xml", "not an Excel workbook"),
        ("xl/_rels/workbook.xml.rels", "no Customers sheet"),
        ("xl/worksheets/sheet1.xml", "missing"),
    ],
)
def test_missing_parts(book, missing, words):
    path = book()
    parts = parts_of(path)
    del parts[missing]
    rezip(path, parts)
    refused(path, words)


def test_sheet_part_that_is_not_xml(book):
    path = book()
    parts = parts_of(path)
    parts["xl/worksheets/sheet1.xml"] = b"\x89PNG\r\n\x1a\n not xml at all"
    rezip(path, parts)
    refused(path, "xl/worksheets/sheet1.xml is damaged")


def test_rels_pointing_at_nothing(book):
    path = book()
    parts = parts_of(path)
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"worksheets/sheet2.xml", b"worksheets/nowhere.xml"
    )
    rezip(path, parts)
    refused(path, "nowhere.xml is missing")


def test_cells_with_control_characters_and_long_text(book):
    sheets = basic_sheets()
    sheets["Customers"][0].append("Notes")
    sheets["Customers"][1][1] = "Ann\x01\x02"
    sheets["Customers"][1].append("x" * 32_000)
    path = write_book(book().with_name("ctl.xlsx"), sheets)
    r = xlcrm.update(path, as_of=__import__("datetime").date(2024, 6, 30))
    assert r.written, (r.fatal, [p.text() for p in r.errors])
    assert r.outputs["orders"].tolist() == [2, 1, 1]


def test_libreoffice_style_inline_strings_without_cached_values(book):
    """LibreOffice, Google Sheets and WPS write inline strings; some omit formula values."""
    path = book()
    parts = parts_of(path)
    import re

    strings = re.findall(rb"<si><t[^>]*>(.*?)</t></si>", parts["xl/sharedStrings.xml"], re.S)

    def inline(m: re.Match) -> bytes:
        return m.group(1) + b' t="inlineStr"><is><t>' + strings[int(m.group(2))] + b"</t></is></c>"

    for name in ("xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"):
        parts[name] = re.sub(
            rb'(<c r="[A-Z]+\d+"(?: s="\d+")?) t="s"><v>(\d+)</v></c>', inline, parts[name]
        )
    del parts["xl/sharedStrings.xml"]
    parts["xl/_rels/workbook.xml.rels"] = re.sub(
        rb"<Relationship [^>]*sharedStrings[^>]*/>", b"", parts["xl/_rels/workbook.xml.rels"]
    )
    parts["[Content_Types].xml"] = re.sub(
        rb"<Override [^>]*sharedStrings[^>]*/>", b"", parts["[Content_Types].xml"]
    )
    rezip(path, parts)
    r = xlcrm.update(path, as_of=__import__("datetime").date(2024, 6, 30))
    assert r.written, r.fatal
    assert r.outputs["orders"].tolist() == [2, 1, 1]
