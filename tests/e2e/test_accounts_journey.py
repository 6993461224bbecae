"""A teacher logs in on a phone in Chinese, switches to English, and logs out."""

from people import demo


def test_teacher_logs_in_in_chinese_and_switches_language(page, shot):
    city = demo.seed(teachers=10)
    teacher = city.accounts["teacher"]

    page.goto("/accounts/login/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.get_by_role("heading", name="登录").is_visible()
    shot("login")
    page.get_by_label("工号或邮箱").fill(teacher.username)
    page.get_by_label("密码").fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/")
    assert page.get_by_role("link", name="退出").is_visible()
    shot("home-teacher")

    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("link", name="Log out").is_visible()


def test_wrong_password_shows_a_clear_error(page):
    city = demo.seed(teachers=10)
    page.goto("/accounts/login/")
    page.get_by_label("工号或邮箱").fill(city.accounts["teacher"].username)
    page.get_by_label("密码").fill("not-the-password")
    page.get_by_role("button", name="登录").click()
    assert page.get_by_text("不正确").first.is_visible()
