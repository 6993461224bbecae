"""Spreadsheet cells that a spreadsheet program could take for a formula (CSV/formula
injection): the one rule, used by the HR desk's sheets (hr.sheets.writing) and by every export
of the Wagtail admin (SpreadsheetExportMixin, patched once in PeopleConfig.ready)."""

from __future__ import annotations

from functools import wraps

# A text cell starting with one of these could be taken as a formula by a spreadsheet program.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
TRIGGER_SET = frozenset(FORMULA_TRIGGERS)


def formula_like(value) -> bool:
    """Whether a value is text a spreadsheet program could evaluate."""
    return isinstance(value, str) and value[:1] in TRIGGER_SET


def csv_text_neutralise(value):
    """A CSV cell cannot carry a style: formula-like text gets a leading apostrophe, which
    Excel and WPS show as text and do not evaluate."""
    return "'" + value if formula_like(value) else value


def admin_exports_neutralise() -> None:
    """Make every Wagtail admin export (our viewsets and Wagtail's own reports) write
    formula-like text as text: quote-prefixed in XLSX, as the HR desk's sheets do, and
    apostrophe-prefixed in CSV."""
    from wagtail.admin.views.mixins import SpreadsheetExportMixin

    if getattr(SpreadsheetExportMixin, "_formulas_neutralised", False):
        return
    preprocess, xlsx_row = (SpreadsheetExportMixin.preprocess_field_value,
                            SpreadsheetExportMixin.generate_xlsx_row)

    @wraps(preprocess)
    def preprocess_field_value(self, field, value, export_format):
        value = preprocess(self, field, value, export_format)
        return csv_text_neutralise(value) if export_format == self.FORMAT_CSV else value

    @wraps(xlsx_row)
    def generate_xlsx_row(self, worksheet, row_dict, date_format=None):
        for cell in xlsx_row(self, worksheet, row_dict, date_format=date_format):
            if cell.data_type == "s" and formula_like(cell.value):
                cell.quotePrefix = True  # shown and kept as text, even when edited
            yield cell

    SpreadsheetExportMixin.preprocess_field_value = preprocess_field_value
    SpreadsheetExportMixin.generate_xlsx_row = generate_xlsx_row
    SpreadsheetExportMixin._formulas_neutralised = True
