"""Cell styles: find a usable xf for dates, money and whole numbers; add one only when needed.

styles.xml is patched textually: a new numFmt / fill / xf is appended to its list and the
count attribute raised. Nothing else in the part changes.
"""

from __future__ import annotations

import re
from dataclasses import field

from ..problems import BookError
from ..record import record

# built-in number formats Excel shows as dates or times
BUILTIN_DATE_IDS = set(range(14, 23)) | set(range(27, 37)) | set(range(45, 48)) | set(range(50, 59))
WANTED = {  # kind -> (builtin id or None, format code)
    "date": (None, "yyyy-mm-dd"),
    "datetime": (None, "yyyy-mm-dd hh:mm"),
    "money": (4, "#,##0.00"),
    "integer": (1, "0"),
    "number": (0, "General"),
    "decimal": (2, "0.00"),
    "percent": (9, "0%"),
}
HEADER_FILL = "FFE2EFDA"
WRAPPED = {"vertical": "top", "wrapText": "1"}  # the alignment of xlcrm's wrapped text
_ALIGNMENT = re.compile(rb"<(?:\w+:)?alignment\b([^>]*?)/?>")


def is_date_code(code: str) -> bool:
    s = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", code.lower())
    return bool(re.search(r"[dmyhs]", s)) and "general" not in s


@record
class Styles:
    """The workbook's styles part, with the cell formats xlcrm adds appended once each."""

    xml: bytes
    prefix: str
    numfmts: dict[int, str] = field(default_factory=dict)
    xfs: list[dict[str, str]] = field(default_factory=list)
    alignments: dict[int, dict[str, str]] = field(default_factory=dict)  # by xf index
    changed: bool = False
    _cache: dict[tuple, int] = field(default_factory=dict)

    @classmethod
    def parse(cls, xml: bytes | None) -> Styles:
        if xml is None:
            raise BookError("no_styles")
        m = re.search(rb"<(\w+:)?styleSheet\b", xml)
        prefix = (m.group(1) or b"").decode() if m else ""
        st = cls(xml, prefix)
        for nm in re.finditer(rb"<(?:\w+:)?numFmt\b([^>]*)/?>", xml):
            a = _attrs(nm.group(1))
            if "numFmtId" in a:
                st.numfmts[int(a["numFmtId"])] = a.get("formatCode", "")
        cx = _section(xml, prefix, "cellXfs")
        if cx is not None:
            body = xml[cx[0] : cx[1]]
            for x in re.finditer(rb"<(?:\w+:)?xf\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?xf>)", body, re.S):
                if x.group(2) and (a := _ALIGNMENT.search(x.group(2))):
                    st.alignments[len(st.xfs)] = _attrs(a.group(1))
                st.xfs.append(_attrs(x.group(1)))
        return st

    def is_date_style(self, s: int) -> bool:
        if not 0 <= s < len(self.xfs):
            return False
        fid = int(self.xfs[s].get("numFmtId", "0"))
        return fid in BUILTIN_DATE_IDS or (fid in self.numfmts and is_date_code(self.numfmts[fid]))

    def suits(self, s: int, kind: str) -> bool:
        """Whether style ``s`` shows a value of ``kind`` sensibly (dates need a date format)."""
        if kind in ("date", "datetime"):
            return self.is_date_style(s)
        if kind in ("money", "integer", "number", "decimal", "percent"):
            return 0 <= s < len(self.xfs) and not self.is_date_style(s)
        return True

    def numfmt_code(self, s: int) -> str:
        if not 0 <= s < len(self.xfs):
            return "General"
        fid = int(self.xfs[s].get("numFmtId", "0"))
        return self.numfmts.get(fid, {0: "General", 1: "0", 4: "#,##0.00"}.get(fid, f"#{fid}"))

    def style_for(self, kind: str, header: bool = False, wrap: bool = False) -> int:
        """An xf index showing ``kind`` on the default font, fill and border (header: filled;
        wrap: long text wrapped within the column, top-aligned)."""
        key = (kind, header, wrap)
        if key in self._cache:
            return self._cache[key]
        builtin, code = WANTED.get(kind, (0, "General"))
        fmt_id = builtin if builtin is not None else self._numfmt_id(code)
        fill_id = self._fill_id(HEADER_FILL) if header else 0
        if wrap:
            return self._wrapped(key, fmt_id, fill_id)
        for i, xf in enumerate(self.xfs):
            if (
                int(xf.get("numFmtId", "0")) == fmt_id
                and xf.get("fontId", "0") == "0"
                and int(xf.get("fillId", "0")) == fill_id
                and xf.get("borderId", "0") == "0"
                and "applyAlignment" not in xf
                and "applyProtection" not in xf
            ):
                self._cache[key] = i
                return i
        attrs = _xf(fmt_id, fill_id)
        if header:
            attrs["applyFill"] = "1"
        xml = "".join(f' {k}="{v}"' for k, v in attrs.items())
        self._append("cellXfs", f"<{self.prefix}xf{xml}/>".encode())
        self.xfs.append(attrs)
        self._cache[key] = len(self.xfs) - 1
        return len(self.xfs) - 1

    def _wrapped(self, key: tuple, fmt_id: int, fill_id: int) -> int:
        """The wrapped, top-aligned format: an earlier run's when the book has it (else every
        update would add one more, towards Excel's limit of 64,000 formats)."""
        for i, xf in enumerate(self.xfs):
            if (
                self.alignments.get(i) == WRAPPED
                and int(xf.get("numFmtId", "0")) == fmt_id
                and xf.get("fontId", "0") == "0"
                and int(xf.get("fillId", "0")) == fill_id
                and xf.get("borderId", "0") == "0"
                and "applyProtection" not in xf
            ):
                self._cache[key] = i
                return i
        attrs = _xf(fmt_id, fill_id) | {"applyAlignment": "1"}
        p = self.prefix
        xml = "".join(f' {k}="{v}"' for k, v in attrs.items())
        el = f'<{p}xf{xml}><{p}alignment vertical="top" wrapText="1"/></{p}xf>'
        self._append("cellXfs", el.encode())
        self.alignments[len(self.xfs)] = dict(WRAPPED)
        self.xfs.append(attrs)
        self._cache[key] = len(self.xfs) - 1
        return len(self.xfs) - 1

    def _numfmt_id(self, code: str) -> int:
        for fid, c in self.numfmts.items():
            if c == code:
                return fid
        fid = max([163, *self.numfmts]) + 1
        p = self.prefix
        el = f'<{p}numFmt numFmtId="{fid}" formatCode="{code}"/>'.encode()
        if _section(self.xml, p, "numFmts") is None:
            m = re.search(rb"<(?:\w+:)?styleSheet\b[^>]*>", self.xml)
            if not m:
                raise BookError("styles_damaged", detail="styleSheet")
            at = m.end()
            self.xml = (
                self.xml[:at] + f'<{p}numFmts count="0"></{p}numFmts>'.encode() + self.xml[at:]
            )
        self._append("numFmts", el)
        self.numfmts[fid] = code
        return fid

    def _fill_id(self, rgb: str) -> int:
        sec = _section(self.xml, self.prefix, "fills")
        if sec is None:
            return 0
        body = self.xml[sec[0] : sec[1]]
        fills = re.findall(
            rb"<(?:\w+:)?fill\b.*?</(?:\w+:)?fill>|<(?:\w+:)?fill\b[^>]*/>", body, re.S
        )
        for i, f in enumerate(fills):
            if rgb.encode() in f and b"solid" in f:
                return i
        p = self.prefix
        el = (
            f'<{p}fill><{p}patternFill patternType="solid"><{p}fgColor rgb="{rgb}"/>'
            f'<{p}bgColor indexed="64"/></{p}patternFill></{p}fill>'
        ).encode()
        self._append("fills", el)
        return len(fills)

    def _append(self, section: str, element: bytes) -> None:
        sec = _section(self.xml, self.prefix, section)
        if sec is None:
            raise BookError("styles_damaged", detail=section)
        end = sec[1]
        self.xml = self.xml[:end] + element + self.xml[end:]
        # raise the count attribute on the opening tag
        m = re.compile(rb"<(?:\w+:)?" + section.encode() + rb"\b[^>]*>").search(self.xml)
        if m:
            tag = m.group(0)
            sec = _section(self.xml, self.prefix, section)
            body = self.xml[sec[0] : sec[1]] if sec else b""
            n = len(re.findall(rb"<(?:\w+:)?" + _child(section) + rb"\b", body))
            if b'count="' in tag:
                new_tag = re.sub(rb'count="\d*"', f'count="{n}"'.encode(), tag)
            else:
                new_tag = tag[:-1] + f' count="{n}">'.encode()
            self.xml = self.xml[: m.start()] + new_tag + self.xml[m.end() :]
        self.changed = True


def _xf(fmt_id: int, fill_id: int) -> dict[str, str]:
    """A cell format's attributes: the number format and fill, the default font and border."""
    return {
        "numFmtId": str(fmt_id),
        "fontId": "0",
        "fillId": str(fill_id),
        "borderId": "0",
        "xfId": "0",
        "applyNumberFormat": "1",
    }


def _child(section: str) -> bytes:
    return {"cellXfs": b"xf", "numFmts": b"numFmt", "fills": b"fill"}[section]


def _section(xml: bytes, prefix: str, name: str) -> tuple[int, int] | None:
    """(start of body, start of closing tag) of a list element, or None."""
    m = re.search(rb"<(?:\w+:)?" + name.encode() + rb"\b[^>]*?(/?)>", xml)
    if not m:
        return None
    if m.group(1) == b"/":  # <cellXfs/>: expand it
        return None
    close = re.compile(rb"</(?:\w+:)?" + name.encode() + rb">").search(xml, m.end())
    if not close:
        return None
    return m.end(), close.start()


def _attrs(raw: bytes) -> dict[str, str]:
    return {k.decode(): v.decode() for k, v in re.findall(rb'([\w:]+)="([^"]*)"', raw)}
