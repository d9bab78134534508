"""The vectorised schema checker gives jsonschema's verdict, row by row, on every sheet schema."""

from __future__ import annotations

import datetime as dt
from typing import Any

import jsonschema
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xlcrm.schema import SHEET_KEYS, sheet_spec
from xlcrm.schema_check import VECTORISED, to_json, violations

TEXT = st.text(alphabet=st.sampled_from(list("ab c@.-+()0123456789xyzé茶")), max_size=30)
NUMBER = st.one_of(
    st.integers(-1000, 1000).map(float),
    st.floats(-1e6, 1e6, allow_nan=False),
    st.sampled_from([0.0, -0.0, 0.5, 2.0, 1e300, float("inf")]),
)
DATE = st.dates(dt.date(1990, 1, 1), dt.date(2030, 12, 31)).map(pd.Timestamp)


def column_values(kind: str, choices: list[str], numbers=NUMBER):
    if kind == "date":
        return DATE
    if kind in ("number", "money", "integer"):
        return numbers
    if kind == "boolean":
        return st.booleans()
    if kind == "choice":
        return st.one_of(st.sampled_from(choices), TEXT)
    return TEXT


def frame_for(kind_of: dict[str, str], rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Rows typed the way coercion types a sheet's columns."""
    index = range(2, 2 + len(rows))  # Excel rows under a header
    dtype = {"date": "datetime64[ns]", "number": "float64", "money": "float64"}
    dtype |= {"integer": "float64", "boolean": "boolean"}
    cols = {
        key: pd.Series([r.get(key) for r in rows], index=index, dtype=dtype.get(kind, "string"))
        for key, kind in kind_of.items()
    }
    return pd.DataFrame(cols, index=index)


def jsonschema_verdict(schema: dict, rows: list[dict[str, Any]]) -> set[tuple[str, int, str]]:
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    found = set()
    for i, row in enumerate(rows, start=2):
        instance = {k: to_json(v) for k, v in row.items() if v is not None}
        for err in validator.iter_errors(instance):
            if err.validator == "required":
                for key in err.validator_value:
                    if key not in instance:
                        found.add((key, i, "required"))
            else:
                # a keyword the checker does not vectorise is checked whole, as "schema"
                keyword = err.validator if err.validator in VECTORISED else "schema"
                found.add((err.path[0], i, keyword))
    return found


def our_verdict(schema: dict, frame: pd.DataFrame) -> set[tuple[str, int, str]]:
    return {(key, int(r), kw) for key, rows, kw in violations(frame, schema) for r in rows}


def rows_strategy(kind_of: dict[str, str], choices: dict[str, list[str]], numbers=NUMBER):
    row = st.fixed_dictionaries(
        {
            k: st.one_of(st.none(), column_values(kind, choices.get(k, []), numbers))
            for k, kind in kind_of.items()
        }
    )
    return st.lists(row, min_size=1, max_size=12)


def check_sheet(sheet: str, data) -> None:
    spec = sheet_spec(sheet)
    kind_of = {c.key: c.kind for c in spec.columns}
    choices = {c.key: [ch.value for ch in c.choices] for c in spec.columns}
    rows = data.draw(rows_strategy(kind_of, choices))
    frame = frame_for(kind_of, rows)
    assert our_verdict(spec.schema, frame) == jsonschema_verdict(spec.schema, rows)


PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def test_every_sheet_schema_agrees_with_jsonschema():
    for sheet in SHEET_KEYS:
        PROPERTY(given(st.data())(_checker(sheet)))()


def _checker(sheet: str):
    def run(data) -> None:
        check_sheet(sheet, data)

    return run


SYNTHETIC = {
    "type": "object",
    "required": ["code"],
    "properties": {
        "code": {"type": "string", "minLength": 2, "maxLength": 5, "pattern": "^[a-c]"},
        "qty": {"type": "integer", "minimum": 0, "exclusiveMaximum": 100, "multipleOf": 0.5},
        "rate": {"type": "number", "exclusiveMinimum": -1, "maximum": 1e5},
        "tag": {"enum": ["x", "y"]},
        "fixed": {"const": "ab"},
        # a keyword the checker does not vectorise: it falls back to jsonschema itself
        "either": {
            "anyOf": [{"type": "string", "maxLength": 2}, {"type": "string", "pattern": "z$"}]
        },
    },
}
SYNTHETIC_KINDS = {
    "code": "text",
    "qty": "integer",
    "rate": "number",
    "tag": "text",
    "fixed": "text",
    "either": "text",
}


# jsonschema itself cannot take an infinite number with multipleOf: finite ones here
FINITE = st.one_of(st.integers(-1000, 1000).map(float), st.floats(-1e6, 1e6, allow_nan=False))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows_strategy(SYNTHETIC_KINDS, {}, FINITE))
def test_every_vectorised_keyword_and_the_fallback_agree_with_jsonschema(rows):
    frame = frame_for(SYNTHETIC_KINDS, rows)
    assert our_verdict(SYNTHETIC, frame) == jsonschema_verdict(SYNTHETIC, rows)
