from django.urls import path

from . import declaration_views, policy_views, reach_views, views
from .workload.urls import urlpatterns as workload_urlpatterns

app_name = "certification"

urlpatterns: list = [
    path("certificates/", views.my_certificates, name="my_certificates"),
    path("certificates/parent-reach/", reach_views.parent_reach, name="parent_reach"),
    path("certificates/parent-sessions/new/", reach_views.parent_session_new, name="parent_session_new"),
    path("hours/declarations/", declaration_views.my_declarations, name="my_declarations"),
    path("hours/declarations/<int:pk>/resubmit/", declaration_views.declaration_resubmit,
         name="declaration_resubmit"),
    path("hours/evidence/<int:pk>/", declaration_views.evidence_download, name="evidence_download"),
    path("hours/declarations/queue/", declaration_views.declaration_queue, name="declaration_queue"),
    path("hours/declarations/<int:pk>/decide/", declaration_views.declaration_decide,
         name="declaration_decide"),
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
    path("certificates/checklist/", policy_views.policy_checklist_page, name="policy_checklist"),
    path("verify/", views.verify_search, name="verify_search"),
    path("verify/upload/", views.verify_upload, name="verify_upload"),
    path("verify/<str:code>/", views.verify, name="verify"),
]
urlpatterns += workload_urlpatterns
