"""Runtime dependencies are what the runtime imports: a module xlcrm imports that no
dependency provides fails on a fresh machine, and a dependency nothing imports is weight."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[1]
# the distribution that provides each module name, where the two differ
PROVIDES = {"lunar_python": "lunar-python"}
OPTIONAL = {"matplotlib": "report"}  # imported only by the command that needs it


def imported_modules() -> set[str]:
    names: set[str] = set()
    for path in (ROOT / "xlcrm").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return {n for n in names if n not in sys.stdlib_module_names and n != "xlcrm"}


def declared() -> tuple[set[str], dict[str, set[str]]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]

    def name(req: str) -> str:
        return re.split(r"[<>=!~;\[ ]", req, maxsplit=1)[0].strip().lower()

    extras = {k: {name(r) for r in v} for k, v in project["optional-dependencies"].items()}
    return {name(r) for r in project["dependencies"]}, extras


def test_every_import_is_a_declared_dependency_and_every_dependency_is_imported():
    runtime, extras = declared()
    wanted = {m: PROVIDES.get(m, m).lower() for m in imported_modules()}
    optional = {m for m, extra in OPTIONAL.items() if wanted.get(m) in extras[extra]}
    missing = sorted(m for m, dist in wanted.items() if dist not in runtime and m not in optional)
    assert missing == [], f"imported but not a dependency in pyproject.toml: {missing}"
    unused = sorted(runtime - set(wanted.values()))
    assert unused == [], f"dependencies nothing in xlcrm imports: {unused}"
    # openpyxl is for the tests; scipy was once imported by the churn model without being
    # declared, and is now only what the tests check its numerics against
    assert {"openpyxl", "scipy"} <= extras["test"] and not {"openpyxl", "scipy"} & runtime
