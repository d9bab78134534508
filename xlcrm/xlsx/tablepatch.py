"""Grow an Excel Table definition by columns appended at its right edge."""

from __future__ import annotations

import re

from .cellref import col_letter, split_range
from .text import xml_escape_attr


def unique_names(existing: list[str], wanted: list[str]) -> list[str]:
    """Table column names are unique ignoring case; add ' 2', ' 3' … where needed."""
    taken = {n.casefold() for n in existing}
    out = []
    for w in wanted:
        name, k = w, 2
        while name.casefold() in taken:
            name, k = f"{w} {k}", k + 1
        taken.add(name.casefold())
        out.append(name)
    return out


def add_columns(xml: bytes, names: list[str]) -> bytes:
    ids = [int(x) for x in re.findall(rb"<(?:\w+:)?tableColumn\b[^>]*\bid=\"(\d+)\"", xml)]
    m = re.search(rb"<(\w+:)?table\b", xml)
    p = (m.group(1) or b"").decode() if m else ""
    new = b"".join(
        f'<{p}tableColumn id="{max(ids, default=0) + i}" name="{xml_escape_attr(n)}"/>'.encode()
        for i, n in enumerate(names, start=1)
    )
    close = re.search(rb"</(?:\w+:)?tableColumns>", xml)
    xml = xml[: close.start()] + new + xml[close.start() :]
    xml = re.sub(
        rb"(<(?:\w+:)?tableColumns\b[^>]*\bcount=\")(\d+)",
        lambda k: k.group(1) + str(int(k.group(2)) + len(names)).encode(),
        xml,
        count=1,
    )

    def grow(ref_match: re.Match) -> bytes:
        r1, c1, r2, c2 = split_range(ref_match.group(2).decode())
        ref = f"{col_letter(c1)}{r1}:{col_letter(c2 + len(names))}{r2}"
        return ref_match.group(1) + ref.encode() + ref_match.group(3)

    # the table's own ref and its autoFilter's ref
    xml = re.sub(rb"(<(?:\w+:)?table\b[^>]*?\bref=\")([^\"]+)(\")", grow, xml, count=1)
    return re.sub(rb"(<(?:\w+:)?autoFilter\b[^>]*?\bref=\")([^\"]+)(\")", grow, xml, count=1)
