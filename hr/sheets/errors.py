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


class ErrorLog(list):
    """The row errors of one file: every error is counted, only the first `keep` are kept.

    A file of 200,000 bad rows would otherwise hold 200,000 messages in memory to show the
    first 500. The kept errors are the first found; `total` and `rows` count them all.
    """

    def __init__(self, keep: int):
        super().__init__()
        self.keep = keep
        self.total = 0
        self.rows: set[int] = set()

    def append(self, error: RowError) -> None:
        self.total += 1
        self.rows.add(error.row)
        if len(self) < self.keep:
            super().append(error)

    def extend(self, errors) -> None:
        for error in errors:
            self.append(error)

    def __bool__(self) -> bool:
        return self.total > 0
