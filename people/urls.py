from django.urls import path

from . import views

app_name = "people"

urlpatterns = [
    path("audit/", views.audit_log, name="audit_log"),
]
