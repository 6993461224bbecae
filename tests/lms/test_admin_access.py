"""A signed-in teacher who opens the admin ends on a page that says why, in her language, instead
of going round the log-in page until the browser gives up."""

import pytest
from django.conf import settings

from tests.factories import district_hr
from tests.html_text import visible_text


@pytest.mark.parametrize(("language", "reason"), [
    ("zh-hans", "您没有进入管理后台的权限。如工作需要，请联系区人事。"),
    ("en", "You have no access to the admin. If your work needs it, ask your district HR."),
])
@pytest.mark.parametrize("path", ["/admin/", "/admin/pages/"])
def test_a_teacher_opening_the_admin_lands_home_told_why(client, teacher_a, language, reason, path):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(teacher_a.user)
    response = client.get(path, follow=True)
    assert response.redirect_chain == [("/", 302)]
    assert response.status_code == 200
    assert reason in visible_text(response.content.decode())


def test_the_admin_still_asks_a_visitor_to_log_in(client, db):
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_admin_opens_for_those_who_have_it(client, tree, django_user_model):
    for user in (django_user_model.objects.create_superuser("root", "root@example.test", "pw"),
                 district_hr(tree["district_x"])):
        client.force_login(user)
        assert client.get("/admin/").status_code == 200


def test_the_admin_dashboard_asks_no_outside_service_for_updates(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.test", "pw"))
    assert "w-upgrade" not in client.get("/admin/").content.decode()  # the panel that asks
