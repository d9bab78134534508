"""xlcrm: a small business's Excel workbook of customers and sales, as a working CRM."""

__version__ = "0.1.0"

from .api import init_workbook
from .due import DueResult, due
from .pipeline import UpdateResult, update
from .validate import ValidationResult, validate

__all__ = [
    "DueResult",
    "UpdateResult",
    "ValidationResult",
    "__version__",
    "due",
    "init_workbook",
    "update",
    "validate",
]
