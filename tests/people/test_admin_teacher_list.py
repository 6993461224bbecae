"""The admin's teacher list: its status column reads 在职/离职 and its CSV export carries the
listed columns of the teachers in scope."""

import csv
import io
import re

from django.urls import reverse

from tests.factories import TeacherFactory, district_hr
from tests.html_text import visible_text


def test_teacher_list_export_csv_has_the_listed_columns_of_the_scope(client, tree):
    mine = TeacherFactory(school=tree["school_a"], name="李梅", employee_no="E101")
    left = TeacherFactory(school=tree["school_a"], name="王强", employee_no="E102",
                          status="left", is_active=False)
    theirs = TeacherFactory(school=tree["school_b"], name="赵六", employee_no="E103")
    client.force_login(district_hr(tree["district_x"]))
    listing = visible_text(client.get(reverse("teachers:index")).content.decode())
    assert "True" not in listing and "False" not in listing
    assert "在职" in listing and "离职" in listing
    response = client.get(reverse("teachers:index"), {"export": "csv"})
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0] == ["姓名", "工号", "学校", "岗位", "入职日期", "在职状态"]
    by_no = {r[1]: r for r in rows[1:]}
    assert set(by_no) == {mine.employee_no, left.employee_no}, rows
    assert theirs.employee_no not in by_no
    assert by_no["E101"][0] == "李梅" and by_no["E101"][2] == tree["school_a"].name
    assert by_no["E101"][5] == "在职" and by_no["E102"][5] == "离职"
    assert by_no["E101"][3] and by_no["E101"][3] != mine.role  # the label, not the code


def test_on_a_phone_the_teacher_list_keeps_name_number_and_status(client, tree):
    # The admin's stylesheet hides `phone-secondary` cells under 600 px (the phone crawl,
    # tests/e2e/test_phone_admin_pages.py, measures the result in a browser).
    TeacherFactory(school=tree["school_a"], name="李梅", employee_no="E101")
    client.force_login(district_hr(tree["district_x"]))
    page = client.get(reverse("teachers:index")).content.decode()
    assert 'href="/static/people/admin.css"' in page
    start = page.index('<table class="listing')
    table = page[start:page.index("</table>", start)]
    heads = re.findall(r"<th([^>]*)>\s*(?:<a[^>]*>)?\s*([^<\s]+)", table)
    hidden = {label for attrs, label in heads if "phone-secondary" in attrs}
    assert hidden == {"学校", "岗位", "入职日期"}, heads
    cells = re.findall(r'<td class="phone-secondary"', table)
    assert len(cells) == 3  # one row


def test_the_teacher_form_labels_the_posts_in_chinese(client, tree):
    teacher = TeacherFactory(school=tree["school_a"], name="李梅", employee_no="E101")
    client.force_login(district_hr(tree["district_x"]))
    form = client.get(reverse("teachers:edit", args=[teacher.pk])).content.decode()
    assert re.search(r"<label[^>]*>\s*岗位", form) and "Posts" not in form
