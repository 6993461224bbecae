"""Helpers shared by the invitation tests: an HR-made teacher and the link in a mail."""

import re
from datetime import date
from urllib.parse import urlsplit

from people.models import Teacher
from people.services import teacher_create

LINK = re.compile(r"https?://\S+/accounts/password/reset/key/\S+/")


def hr_teacher(school, employee_no="T20260001", email="wang.fang@school.example.cn") -> Teacher:
    """A teacher as HR creates them: an account with no usable password."""
    return teacher_create(employee_no=employee_no, name="王芳", school=school,
                          role=Teacher.Role.FULL_TIME_COUNSELLOR, gender="F",
                          hire_date=date(2019, 9, 1), email=email)


def set_password_through_link(client, text: str, password: str) -> None:
    """Follow the invitation link found in `text` and set `password` on the page it opens."""
    links = LINK.findall(text)
    assert len(links) == 1, text
    page = client.get(urlsplit(links[0]).path, follow=True)
    assert page.status_code == 200
    # allauth moves the key into the session and shows the form at .../<uid>-set-password/.
    assert page.redirect_chain and page.redirect_chain[-1][0].endswith("-set-password/")
    assert b'name="password1"' in page.content
    done = client.post(page.redirect_chain[-1][0],
                       {"password1": password, "password2": password}, follow=True)
    assert done.status_code == 200
