"""Builders for HR tests: real .xlsx files written with openpyxl, and HR users."""

from pathlib import Path

from openpyxl import Workbook

from people.models import StaffRole
from tests.factories import staff

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def xlsx(path: Path, rows: list[list], *, title_rows: list[list] = ()) -> Path:
    """A workbook whose first sheet holds `title_rows` then `rows` (header first)."""
    workbook = Workbook()
    sheet = workbook.active
    for row in [*title_rows, *rows]:
        sheet.append(row)
    workbook.save(path)
    return path


def roster(path: Path, teachers: list[dict]) -> Path:
    """A clean roster in the template's English headers."""
    header = ["employee_no", "name", "gender", "school_code", "role", "hire_date"]
    return xlsx(path, [header] + [[t.get(k) for k in header] for t in teachers])


def encrypted_xlsx(path: Path) -> Path:
    """What Excel writes for a password-protected workbook: an OLE2 container with EncryptedPackage."""
    body = bytearray(OLE2_MAGIC + b"\x00" * 504)
    body += "EncryptionInfo".encode("utf-16-le") + b"\x00" * 50
    body += "EncryptedPackage".encode("utf-16-le") + b"\x00" * 4000
    path.write_bytes(bytes(body))
    return path


def city_hr(city, **kw):
    return staff(StaffRole.Role.CITY_HR, city, **kw)
