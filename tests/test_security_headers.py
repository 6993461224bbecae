"""The Content-Security-Policy every page carries, and what the admin alone may widen."""

from django.urls import reverse


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split("; ") if part}


def test_site_pages_allow_scripts_from_the_site_only(client, teacher_a):
    client.force_login(teacher_a.user)
    for url in (reverse("certification:my_certificates"), reverse("courses:catalogue"),
                reverse("account_login"), "/"):
        csp = policy(client.get(url))
        assert csp["script-src"] == ["'self'"], url
        assert csp["object-src"] == ["'none'"] and csp["frame-ancestors"] == ["'self'"]
        assert csp["connect-src"] == ["'self'"]  # the player reports only to this site


def test_the_admin_alone_widens_scripts(client, tree):
    from tests.factories import district_hr

    client.force_login(district_hr(tree["district_x"]))
    csp = policy(client.get("/admin/"))
    assert "'unsafe-inline'" in csp["script-src"] and csp["object-src"] == ["'none'"]


def test_pages_may_be_framed_by_the_site_itself_for_previews(client, db):
    response = client.get(reverse("account_login"))
    assert response["X-Frame-Options"] == "SAMEORIGIN"
