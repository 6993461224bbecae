from allauth.account import views as allauth_views
from django.conf import settings
from django.urls import include, path, re_path
from django.views.i18n import set_language
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.admin.auth import require_admin_access
from wagtail.documents import urls as wagtaildocs_urls

from cms import page_cache
from ops import views as ops_views
from people import views as people_views

from .views import choose_external_link, healthz

urlpatterns = [
    path("healthz/", healthz, name="healthz"),
    # Readiness and metrics for the bureau's monitors (ops; docs/deploy.md).
    path("readyz/", ops_views.ReadinessView.as_view(), name="readyz"),
    path("metrics", ops_views.metrics_view, name="prometheus-django-metrics"),
    # The HTTP API for other systems (api; docs/api.md).
    path("api/", include("api.urls")),
    # LTI 1.3: other learning platforms launch our courses (lti; docs/lti.md).
    path("lti/", include("lti.urls")),
    # The admin's login is allauth's, so its rate limits and policies apply to staff too.
    path("admin/login/", allauth_views.login, name="wagtailadmin_login"),
    path("admin/choose-external-link/", require_admin_access(choose_external_link),
         name="wagtailadmin_choose_page_external_link"),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("accounts/activate/", people_views.activate, name="account_activate"),
    path("accounts/password/new/", people_views.password_new_after_code,
         name="account_password_new_by_code"),
    # Staff never log in by a text-message code alone (people.views.request_login_code).
    path("accounts/login/code/", people_views.request_login_code,
         name="account_request_login_code"),
    # The owner confirms a new log-in phone by a code sent to it (allauth's phone change),
    # before the number logs in.
    path("accounts/phone/change/", allauth_views.change_phone, name="account_change_phone"),
    path("accounts/phone/verify/", allauth_views.verify_phone, name="account_verify_phone"),
    path("accounts/", include("allauth.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("people/", include("people.urls")),
    path("learn/", include("courses.urls")),
    path("", include("certification.urls")),
    path("hr/", include("hr.urls")),
    path("", include("cms.urls")),
]

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()

if settings.DEBUG or settings.SERVE_MEDIA:
    from .media import serve_ranges

    # Byte ranges, as nginx answers in production: browsers seek in videos with them.
    urlpatterns += [re_path(rf"^{settings.MEDIA_URL.lstrip('/')}(?P<path>.*)$", serve_ranges,
                            {"document_root": settings.MEDIA_ROOT})]

# Wagtail's page serving comes last: it catches every remaining path. Its routing is read
# through the page cache (cms.page_cache); Wagtail's other paths are its own.
urlpatterns += [
    *(pattern for pattern in wagtail_urls.urlpatterns if pattern.name != "wagtail_serve"),
    re_path(wagtail_urls.serve_pattern, page_cache.serve, name="wagtail_serve"),
]
