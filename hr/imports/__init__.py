"""Imports: parse and validate each row of a sheet into a plan, preview it, then commit it.

By subject, as the apps' writes are: `rows` (the plan, the row reader and the loop every plan
reads its sheet with), `roster`, `certificates`, `hours`, `organisations`, `calendar`,
`parent_sessions`, and `registry` (IMPORTERS: each sheet's plan and commit). Import from those
modules; only the names other apps and sheets used before the split are kept here.
"""

from .registry import IMPORTERS
from .rows import IMPORT_ROLES, ImportHasErrors, Plan, RowReader, row_readers

__all__ = ["IMPORTERS", "IMPORT_ROLES", "ImportHasErrors", "Plan", "RowReader", "row_readers"]
