"""xlcrm: a small business's Excel workbook of customers and sales, as a working CRM."""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

# the API is imported when first used: `xlcrm --version` must not pay for pandas
_API = {
    "validate": "api",
    "update": "api",
    "due": "api",
    "init_workbook": "api",
    "report": "api",
    "backups": "api",
    "restore": "api",
    "update_many": "batch",
    "validate_many": "batch",
    "due_many": "batch",
    "BatchResult": "batch",
    "ValidationResult": "results",
    "UpdateResult": "results",
    "DueResult": "results",
    "ReportResult": "results",
}

__all__ = ["__version__", *_API]


def __getattr__(name: str) -> Any:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'xlcrm' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
