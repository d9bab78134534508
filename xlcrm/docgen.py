"""Render the reference parts of docs/ from the schemas, so they cannot drift from the code.

``python -m xlcrm.docgen`` rewrites the generated blocks; a test checks they are current.
"""

from __future__ import annotations

import re
from pathlib import Path

from .present.columns import explain, label
from .rules import output_columns
from .schema import SHEET_KEYS, settings_schema, sheet_spec

BEGIN, END = "<!-- generated:{name} -->", "<!-- end:{name} -->"


def columns_table() -> str:
    out = []
    for key in SHEET_KEYS:
        spec = sheet_spec(key)
        need = ", ".join(spec.column(k).label() for k in spec.required_columns)
        out.append(f"### {spec.label('en')} ({spec.label('zh')})\n")
        out.append(f"Also recognised as: {', '.join(spec.aliases)}. Required columns: {need}.\n")
        out.append("| column | 中文 | kind | rules | a wrong value | other accepted headers |")
        out.append("| --- | --- | --- | --- | --- | --- |")
        for c in spec.columns:
            rules = []
            for kw in ("minimum", "exclusiveMinimum", "maximum", "minLength", "maxLength"):
                if kw in c.schema:
                    rules.append(f"{kw} {c.schema[kw]}")
            if c.choices:
                rules.append(
                    "one of "
                    + ", ".join(f"{ch.labels['en']}/{ch.labels.get('zh', '')}" for ch in c.choices)
                )
            if "pattern" in c.schema:
                rules.append(f"pattern ({c.severity})")
            if c.key in spec.required:
                rules.append("required in every row")
            wrong = (
                "warning: ignored, the customer is computed"
                if c.severity == "warning"
                else "error: blocks update; --keep-going leaves the row out"
            )
            out.append(
                f"| {c.label('en')} | {c.label('zh')} | {c.kind} | {'; '.join(rules)} | {wrong} | "
                f"{', '.join(c.aliases)} |"
            )
        out.append("")
    return "\n".join(out)


def settings_table() -> str:
    out = ["| setting | 中文 | default | meaning |", "| --- | --- | --- | --- |"]
    for key, p in settings_schema()["properties"].items():
        default = "blank" if p.get("default") is None else p["default"]
        out.append(
            f"| {p['x-label']['en']} (`{key}`) | {p['x-label']['zh']} | {default} | "
            f"{p['description']} |"
        )
    return "\n".join(out)


def outputs_table() -> str:
    out = ["| column | 中文 | how it is computed | 计算方法 |", "| --- | --- | --- | --- |"]
    for o in output_columns():
        out.append(
            f"| {label(o.key, 'en')} | {label(o.key, 'zh')} | {explain(o.key, 'en')} | "
            f"{explain(o.key, 'zh')} |"
        )
    return "\n".join(out)


def commands_table() -> str:
    """Every command with its arguments, what it does and its options, read from the
    commands themselves."""
    import click

    from .cli import main
    from .cli.group import EXIT_CODES

    out = ["| command | what it does | options |", "| --- | --- | --- |"]
    ctx = click.Context(main, info_name="xlcrm")
    for name in main.list_commands(ctx):
        cmd = main.get_command(ctx, name)
        if cmd is None or cmd.hidden:
            continue
        sub = click.Context(cmd, info_name=name, parent=ctx)
        args = " ".join(cmd.collect_usage_pieces(sub)).replace("[OPTIONS] ", "")
        flags = [
            "/".join(p.opts) + ("" if p.is_flag else f" {p.make_metavar(sub)}")
            for p in cmd.params
            if isinstance(p, click.Option) and not p.hidden
        ]
        help_text = (cmd.help or "").split("\n\n")[0].replace("\n", " ")
        options = ", ".join(f"`{f}`" for f in flags).replace("|", "\\|")
        out.append(f"| `xlcrm {name} {args}` | {help_text} | {options} |")
    return "\n".join([*out, "", EXIT_CODES])


def troubleshooting_table() -> str:
    """Every problem and refusal in the catalogue, English and Chinese."""
    from .present.words import catalog

    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    out = []
    for prefix, title in (("problem.", "## Problems"), ("fatal.", "## Refusals")):
        out += [title, "", "| code | message | 说明 |", "| --- | --- | --- |"]
        for key, words in sorted(catalog().items()):
            if key.startswith(prefix):
                code = key[len(prefix) :]
                out.append(f"| `{code}` | {cell(words['en'])} | {cell(words['zh'])} |")
        out.append("")
    return "\n".join(out).rstrip()


BLOCKS = {
    "columns": columns_table,
    "settings": settings_table,
    "outputs": outputs_table,
    "commands": commands_table,
    "troubleshooting": troubleshooting_table,
}
ROOT_DOCS = ("README.md",)


def render(text: str) -> str:
    for name, fn in BLOCKS.items():
        b, e = BEGIN.format(name=name), END.format(name=name)
        pattern = re.compile(re.escape(b) + r".*?" + re.escape(e), re.S)
        text = pattern.sub(lambda _m, b=b, e=e, fn=fn: f"{b}\n{fn()}\n{e}", text)
    return text


def documents(root: Path = Path(".")) -> list[Path]:
    """The files with generated blocks: docs/*.md and the README."""
    return sorted((root / "docs").glob("*.md")) + [root / name for name in ROOT_DOCS]


def main() -> None:
    for path in documents():
        text = path.read_text("utf-8")
        new = render(text)
        if new != text:
            path.write_text(new, "utf-8")
            print(f"updated {path}")


if __name__ == "__main__":
    main()
