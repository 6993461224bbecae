"""Day one on a phone: a teacher imported without e-mail scans the slip's QR code, activates
with 工号 and code, sets a password, and finds the assigned crisis course and a notice about
its deadline in the bell."""

from courses import demo as courses_demo
from courses.models import Assignment
from hr.slips import activation_url
from people import demo


def test_a_teacher_activates_from_the_slip_on_a_phone(page, viewport, shot, migrated_data, live_server):
    if viewport[0] != "phone":
        return  # the slip is scanned with a phone
    city = demo.seed(teachers=80)
    courses_demo.seed(city=city, stdout=open("/dev/null", "w"))
    number, code = city.activation_codes[0]
    assert city.demo_school.teachers.get(employee_no=number).user.email == ""

    # The QR code on the slip opens the activation page with the 工号 filled in.
    page.goto(activation_url(number, base_url=live_server.url))
    assert page.get_by_label("工号").input_value() == number
    page.get_by_label("激活码").fill(code.lower())
    page.get_by_label("新密码", exact=True).fill("12345678")
    page.get_by_label("再次输入新密码").fill("12345678")
    page.get_by_role("button", name="激活并登录").click()
    # The site's password rules speak first; the code still works.
    assert page.locator(".message.error").first.is_visible()
    shot("activation-password-rules")
    page.get_by_label("激活码").fill(code)
    page.get_by_label("新密码", exact=True).fill("Lantern-on-the-hill-9")
    page.get_by_label("再次输入新密码").fill("Lantern-on-the-hill-9")
    page.get_by_role("button", name="激活并登录").click()
    page.wait_for_url("**/")
    assert page.get_by_text("账号已激活").is_visible()

    # The bell counts the notice of the assignment; opening it leads to My learning.
    bell = page.locator("#bell")
    assert bell.locator(".bell-count").inner_text().strip() == "1"
    shot("activation-bell")
    bell.click()
    notice = page.locator("#notices li").first
    assert "中小学教师心理危机识别与干预" in notice.inner_text()
    deadline = Assignment.objects.get(organisation=city.city).deadline
    assert deadline.isoformat() in notice.inner_text()
    shot("activation-notices")
    notice.get_by_role("link").click()
    page.wait_for_url("**/learn/**")
    page.get_by_role("heading", name="我的学习").wait_for()
    assert "中小学教师心理危机识别与干预" in page.locator("main").inner_text()
    assert page.locator("#bell .bell-count").count() == 0
    shot("activation-my-learning")
