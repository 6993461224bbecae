"""Certificate levels are data city HR keep: a level added in the admin is listed by the import
template, read by the import and stored; the sheet's words for posts, statuses, kinds, stages
and staff roles are the models' own."""

from datetime import date
from io import BytesIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from certification.models import Certificate, CertificateLevel
from hr.sheets import normalise
from people.models import Organisation, StaffRole, Stage, Teacher
from tests.factories import TeacherFactory, staff

from .builders import xlsx


def test_a_level_added_in_the_admin_is_in_the_template_and_imported(client, tree, hr_x, tmp_path):
    client.force_login(staff(StaffRole.Role.CITY_HR, tree["city"]))
    a = CertificateLevel.objects.get(code="A")
    response = client.post(reverse("certificate_levels:add"), {
        "code": "A+", "name": "A+级（专家级）心理健康教育教师证书", "rank": 4, "prerequisite": a.pk,
        "hours_required": "360", "hours_window_years": 5, "validity_years": 5,
        "renewal_hours": "120"})
    assert response.status_code == 302, response.content.decode()[:2000]

    client.force_login(hr_x)
    template = client.get(reverse("hr:template", args=["certificates"]))
    book = load_workbook(BytesIO(template.content))
    lists = [v.formula1 for v in book.worksheets[0].data_validations.dataValidation]
    assert '"C,B,A,A+"' in lists
    notes = [row[2] for row in book["说明"].iter_rows(values_only=True)]
    assert "证书等级：A+、A、B 或 C（可写 C证）" in notes

    TeacherFactory(school=tree["school_a"], employee_no="E1", name="李梅")
    path = xlsx(tmp_path / "证书.xlsx", [["证书编号", "工号", "姓名", "证书等级", "发证日期"],
                                       ["XY-2026-001", "E1", "李梅", "A+级", date(2026, 6, 19)]])
    call_command("import_sheet", "certificates", str(path), "--commit", "--user", hr_x.username)
    stored = Certificate.objects.get(number="XY-2026-001")
    assert stored.level.code == "A+" and stored.teacher.employee_no == "E1"


@pytest.mark.parametrize(("vocabulary", "choices"), [
    (normalise.POSTS, Teacher.Role), (normalise.STATUSES, Teacher.Status),
    (normalise.ORG_KINDS, Organisation.Kind), (normalise.STAGES, Stage),
    (normalise.STAFF_ROLES, StaffRole.Role)])
def test_each_choice_is_read_by_its_code_and_both_labels(vocabulary, choices):
    """A choice added to the model is read and written by the sheets without a second list."""
    assert set(vocabulary.display) == set(choices.values)
    for code in choices.values:
        for language in ("zh-hans", "en"):
            with translation.override(language):
                label = str(choices(code).label)
            assert vocabulary.parse(label) == code, label
        assert vocabulary.parse(code) == code
        assert vocabulary.parse(vocabulary.display[code]) == code


def test_the_sheets_keep_the_words_they_wrote():
    assert normalise.ORG_KIND_DISPLAY["district"] == "区县"
    assert normalise.ROLE_DISPLAY["head_teacher"] == "班主任"
    assert normalise.parse_staff_roles("区人事、市级人事") == ["district_hr", "city_hr"]
    assert normalise.parse_posts("班主任老师/Part-time counsellor") == [
        "head_teacher", "part_time_counsellor"]


def test_messages_list_the_choices_the_model_has():
    with pytest.raises(normalise.CellError) as caught:
        normalise.parse_staff_roles("校长")
    assert caught.value.reason == "未知管理角色「校长」：应为 培训者、内容审核员、学校管理员、区级人事、市级人事 或 省级人事"
    with pytest.raises(normalise.CellError) as caught:
        normalise.parse_status("休假")
    assert caught.value.reason == "在职状态应为 在职、离职、调出 或 退休"
