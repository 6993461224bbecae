from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import views

app_name = "api"

urlpatterns = [
    path("v1/teachers/", views.TeacherList.as_view(), name="teachers"),
    path("v1/teachers/<str:employee_no>/cycle/", views.CycleStatusView.as_view(), name="cycle"),
    path("v1/hours/", views.HoursPush.as_view(), name="hours_push"),
    path("v1/ledger/", views.LedgerList.as_view(), name="ledger"),
    path("v1/certificates/", views.CertificateList.as_view(), name="certificates"),
    path("v1/figures/<str:sheet>/", views.FiguresView.as_view(), name="figures"),
    path("v1/webhooks/", views.WebhookList.as_view(), name="webhooks"),
    path("v1/webhooks/<int:pk>/", views.WebhookDetail.as_view(), name="webhook"),
    # The OpenAPI 3 schema (?lang=en for English) and its reference, served from this site.
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
]
