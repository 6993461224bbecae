from django.urls import path

from . import views
from .workload.urls import urlpatterns as workload_urlpatterns

app_name = "certification"

urlpatterns: list = [
    path("certificates/", views.my_certificates, name="my_certificates"),
    path("certificates/apply/", views.apply, name="apply"),
    path("certificates/<str:code>/pdf/", views.certificate_download, name="certificate_pdf"),
    path("certificates/<int:pk>/revoke/", views.certificate_revoke, name="certificate_revoke"),
    path("certificates/teachers/<int:pk>/", views.teacher_record, name="teacher_record"),
    path("certificates/teachers/<int:pk>/correct/", views.training_correct,
         name="training_correct"),
    path("certificates/applications/", views.application_list, name="application_list"),
    path("certificates/applications/<int:pk>/", views.application_review,
         name="application_review"),
    path("certificates/rates/", views.holding_rates, name="holding_rates"),
    path("certificates/dashboard/", views.dashboard, name="dashboard"),
    path("verify/", views.verify_search, name="verify_search"),
    path("verify/upload/", views.verify_upload, name="verify_upload"),
    path("verify/<str:code>/", views.verify, name="verify"),
]
urlpatterns += workload_urlpatterns
