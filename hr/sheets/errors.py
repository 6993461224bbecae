"""Errors raised while reading a sheet: a refused file, or a problem in one cell."""

from dataclasses import asdict, dataclass


def bilingual(zh: str, en: str) -> str:
    """A message for HR in Chinese with the English beside it (sheets travel between both)."""
    return f"{zh} ({en})"


class SheetRefused(Exception):
    """The whole file is refused before (or while) parsing: nothing from it is used."""

    def __init__(self, zh: str, en: str):
        self.message = bilingual(zh, en)
        super().__init__(self.message)


class CellError(ValueError):
    """A value that cannot be taken as it is written; the reason is shown to HR."""

    def __init__(self, zh: str, en: str):
        self.reason = bilingual(zh, en)
        super().__init__(self.reason)


@dataclass(frozen=True)
class RowError:
    """One problem in one row: where it is, what was written, and why it is refused."""

    row: int
    column: str
    value: str
    reason: str

    def as_dict(self) -> dict:
        return asdict(self)

    def line(self) -> str:
        """`row N, column: reason`, the form the command line prints."""
        where = f"row {self.row}" if self.row else "file"
        return f"{where}, {self.column or '-'}: {self.reason}"
