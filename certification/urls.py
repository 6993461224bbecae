from django.urls import path

from .views import declarations, figures, policies, reach, records, teacher, verify
from .workload.urls import urlpatterns as workload_urlpatterns

app_name = "certification"

urlpatterns: list = [
    path("certificates/", teacher.my_certificates, name="my_certificates"),
    path("certificates/parent-reach/", reach.parent_reach, name="parent_reach"),
    path("certificates/parent-sessions/new/", reach.parent_session_new, name="parent_session_new"),
    path("hours/declarations/", declarations.my_declarations, name="my_declarations"),
    path("hours/declarations/<int:pk>/resubmit/", declarations.declaration_resubmit,
         name="declaration_resubmit"),
    path("hours/evidence/<int:pk>/", declarations.evidence_download, name="evidence_download"),
    path("hours/declarations/queue/", declarations.declaration_queue, name="declaration_queue"),
    path("hours/declarations/<int:pk>/decide/", declarations.declaration_decide,
         name="declaration_decide"),
    path("certificates/apply/", teacher.apply, name="apply"),
    path("certificates/<str:code>/pdf/", teacher.certificate_download, name="certificate_pdf"),
    path("certificates/<int:pk>/revoke/", records.certificate_revoke, name="certificate_revoke"),
    path("certificates/teachers/<int:pk>/", records.teacher_record, name="teacher_record"),
    path("certificates/teachers/<int:pk>/correct/", records.training_correct,
         name="training_correct"),
    path("certificates/applications/", records.application_list, name="application_list"),
    path("certificates/applications/<int:pk>/", records.application_review,
         name="application_review"),
    path("certificates/rates/", figures.holding_rates, name="holding_rates"),
    path("certificates/dashboard/", figures.dashboard, name="dashboard"),
    path("certificates/checklist/", policies.policy_checklist_page, name="policy_checklist"),
    path("verify/", verify.verify_search, name="verify_search"),
    path("verify/upload/", verify.verify_upload, name="verify_upload"),
    path("verify/<str:code>/", verify.verify, name="verify"),
]
urlpatterns += workload_urlpatterns
