"""The menu's staff links come from flags kept in the session for a few minutes; they decide
only what is shown, never what is allowed."""

from django.urls import reverse

from people import context_processors
from people.models import StaffRole
from people.services import staff_role_grant, staff_role_revoke


def test_menu_follows_roles_within_the_flag_lifetime_while_views_check_at_once(client, tree,
                                                                               teacher_a, monkeypatch):
    client.force_login(teacher_a.user)
    assert "数据看板" not in client.get("/").content.decode()
    staff_role_grant(user=teacher_a.user, role=StaffRole.Role.SCHOOL_ADMIN, organisation=tree["school_a"])
    # The view allows it at once, whatever the menu shows.
    assert client.get(reverse("certification:dashboard")).status_code == 200
    monkeypatch.setattr(context_processors, "NAV_FLAGS_SECONDS", 0)
    assert "数据看板" in client.get("/").content.decode()
    staff_role_revoke(user=teacher_a.user, role=StaffRole.Role.SCHOOL_ADMIN, organisation=tree["school_a"])
    assert client.get(reverse("certification:dashboard")).status_code == 403
    assert "数据看板" not in client.get("/").content.decode()


def test_flags_of_another_user_in_the_same_session_are_not_reused(client, tree, teacher_a, teacher_b):
    staff_role_grant(user=teacher_a.user, role=StaffRole.Role.SCHOOL_ADMIN, organisation=tree["school_a"])
    client.force_login(teacher_a.user)
    assert "数据看板" in client.get("/").content.decode()
    client.force_login(teacher_b.user)
    assert "数据看板" not in client.get("/").content.decode()
