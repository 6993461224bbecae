"""Wagtail 8 strings its own zh_Hans catalogue lacks read in Chinese (the project catalogue
carries them), and the account page offers the site's one time zone."""

from django.urls import reverse

from tests.courses import builders


def test_the_editor_and_the_explorer_read_in_chinese(admin_client, tree):
    course = builders.course(title="心理危机识别与干预", lessons=1, quiz=False)
    editor = admin_client.get(reverse("wagtailadmin_pages:edit", args=[course.pk])).content.decode()
    for chinese in ("检查", "内容统计", "锁定：", "显示键盘快捷键"):
        assert chinese in editor
    # The save dialog (network error or a newer version) is rendered hidden in every editor.
    assert "网络出错" in editor and "查看最新版本" in editor
    for english in ("Content metrics", "Locking: ", "Show keyboard shortcuts", "Toggle minimap",
                    "A network error occurred", "Troubleshoot your connection",
                    "View latest version"):
        assert english not in editor
    explorer = admin_client.get(reverse("wagtailadmin_explore", args=[course.get_parent().pk]))
    page = explorer.content.decode()
    assert "Date updated" not in page and "Sort by" not in page


def test_the_account_page_offers_no_list_of_english_time_zones(admin_client):
    """One zone (Asia/Shanghai): Wagtail then asks nothing, and shows no 500 zone names."""
    page = admin_client.get(reverse("wagtailadmin_account")).content.decode()
    assert "Europe/London" not in page and "America/New_York" not in page


def test_the_account_page_and_the_workflow_report_read_in_chinese(admin_client):
    # The page's panels are tabs, hidden but for the first: read the whole page.
    account = admin_client.get(reverse("wagtailadmin_account")).content.decode()
    for chinese in ("外观偏好", "后台主题", "对比度", "界面密度", "启用后台专用的键盘快捷键",
                    "使用网站默认语言"):
        assert chinese in account
    for english in ("Theme preferences", "Admin theme", "Contrast", "Density", "Snug",
                    "keyboard shortcuts specific", "Use server language"):
        assert english not in account
    report = admin_client.get(reverse("wagtailadmin_reports:workflow")).content.decode()
    assert "按任务" in report and "By task" not in report
