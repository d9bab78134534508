"""Text in and out of SpreadsheetML: escapes, the _xHHHH_ form, characters XML cannot carry."""

from __future__ import annotations

import re

_ENTITY = re.compile(r"&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}
_XHHHH = re.compile(r"_x([0-9A-Fa-f]{4})_")
# characters XML 1.0 cannot hold, and CR (which XML parsers turn into LF): Excel stores
# them as _xHHHH_
ILLEGAL = "[\x00-\x08\x0b\x0c\r\x0e-\x1f\ufffe\uffff]"  # one class, for re and for RE2
_ILLEGAL = re.compile(ILLEGAL)
CELL_LIMIT = 32_767


def xml_unescape(text: str) -> str:
    def ent(m: re.Match) -> str:
        e = m.group(1)
        if e.startswith("#x"):
            return chr(int(e[2:], 16))
        if e.startswith("#"):
            return chr(int(e[1:]))
        return _NAMED[e]

    if "&" in text:
        text = _ENTITY.sub(ent, text)
    if "_x" in text:
        text = _XHHHH.sub(lambda m: chr(int(m.group(1), 16)), text)
    return text


def xml_escape_text(text: str) -> str:
    """Text for a <t> element: escaped, illegal characters and literal _xHHHH_ encoded."""
    if "_x" in text:
        text = _XHHHH.sub(lambda m: "_x005F" + m.group(0), text)
    if _ILLEGAL.search(text):
        text = _ILLEGAL.sub(lambda m: f"_x{ord(m.group(0)):04X}_", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def xml_escape_attr(text: str) -> str:
    return xml_escape_text(text).replace('"', "&quot;")
