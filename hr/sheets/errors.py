"""Errors raised while reading a sheet: a refused file, or a problem in one cell."""

from dataclasses import asdict, dataclass

from django.utils.translation import gettext


class SheetRefused(Exception):
    """The whole file is refused before (or while) parsing: nothing from it is used.

    The message is read by HR in one language: the request's when refused at once, the job's
    when a task refuses it (the task runs under the job's language).
    """

    def __init__(self, message: str):
        self.message = str(message)
        super().__init__(self.message)


class CellError(ValueError):
    """A value that cannot be taken as it is written; the reason is shown to HR in one language."""

    def __init__(self, reason: str):
        self.reason = str(reason)
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
        """"第 3 行 · 工号 (A)：…" / "Row 3 · employee_no (A): …", the form the command line prints."""
        where = (gettext("Row %(row)s") % {"row": self.row}) if self.row else gettext("File")
        return gettext("%(where)s · %(column)s: %(reason)s") % {
            "where": where, "column": self.column or "-", "reason": self.reason}


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
