from django.urls import path

from . import views

app_name = "people"

urlpatterns = [
    path("audit/", views.audit_log, name="audit_log"),
    path("account/", views.account, name="account"),
    path("notices/", views.notices, name="notices"),
    path("notices/read/", views.notices_mark_read, name="notices_mark_read"),
    path("notices/<int:pk>/", views.notice_detail, name="notice"),
]
