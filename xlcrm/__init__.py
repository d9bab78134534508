"""xlcrm: a small business's Excel workbook of customers and sales, as a working CRM."""

__version__ = "0.1.0"

from .api import init_workbook
from .pipeline import UpdateResult, update
from .validate import ValidationResult, validate

__all__ = [
    "UpdateResult",
    "ValidationResult",
    "__version__",
    "init_workbook",
    "update",
    "validate",
]
