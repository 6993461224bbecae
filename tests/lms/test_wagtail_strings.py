"""Wagtail 8 strings its own zh_Hans catalogue lacks read in Chinese (the project catalogue
carries them), and the account page offers the site's one time zone."""

from django.urls import reverse

from tests.courses import builders


def test_the_editor_and_the_explorer_read_in_chinese(admin_client, tree):
    course = builders.course(title="心理危机识别与干预", lessons=1, quiz=False)
    editor = admin_client.get(reverse("wagtailadmin_pages:edit", args=[course.pk])).content.decode()
    for chinese in ("检查", "内容统计", "锁定：", "显示键盘快捷键"):
        assert chinese in editor
    for english in ("Content metrics", "Locking: ", "Show keyboard shortcuts", "Toggle minimap"):
        assert english not in editor
    explorer = admin_client.get(reverse("wagtailadmin_explore", args=[course.get_parent().pk]))
    page = explorer.content.decode()
    assert "Date updated" not in page and "Sort by" not in page


def test_the_account_page_offers_no_list_of_english_time_zones(admin_client):
    """One zone (Asia/Shanghai): Wagtail then asks nothing, and shows no 500 zone names."""
    page = admin_client.get(reverse("wagtailadmin_account")).content.decode()
    assert "Europe/London" not in page and "America/New_York" not in page
