from django.urls import path

from . import views

app_name = "hr"

urlpatterns = [
    path("", views.desk, name="desk"),
    path("import/", views.import_new, name="import_new"),
    path("export/", views.export_new, name="export_new"),
    path("jobs/status/", views.jobs_status, name="jobs_status"),
    path("jobs/<uuid:job_id>/", views.job_detail, name="job"),
    path("jobs/<uuid:job_id>/confirm/", views.job_confirm, name="job_confirm"),
    path("jobs/<uuid:job_id>/effective-on/", views.job_effective_on, name="job_effective_on"),
    path("jobs/<uuid:job_id>/status/", views.job_status, name="job_status"),
    path("jobs/<uuid:job_id>/download/", views.job_download, name="job_download"),
    path("snapshots/", views.snapshot_list, name="snapshots"),
    path("snapshots/submit/", views.snapshot_submit_view, name="snapshot_submit"),
    path("snapshots/<uuid:pk>/download/", views.snapshot_download, name="snapshot_download"),
    path("snapshots/<uuid:pk>/compare/", views.snapshot_compare_view, name="snapshot_compare"),
    path("rounds/", views.round_list, name="rounds"),
    path("rounds/<uuid:pk>/", views.round_detail, name="round"),
    path("rounds/<uuid:pk>/<int:submission_pk>/submit/", views.round_submit_view, name="round_submit"),
    path("rounds/<uuid:pk>/<int:submission_pk>/decide/", views.round_decide_view, name="round_decide"),
    path("templates/<slug:sheet>.xlsx", views.template_download, name="template"),
    path("teachers/<int:pk>/personal-data.json", views.teacher_data_export, name="teacher_data_export"),
    path("teachers/<int:pk>/erase/", views.teacher_erase, name="teacher_erase"),
    path("credentials/upload/", views.credentials_import, name="credentials_import"),
    path("events/<int:event_id>/attendance.xlsx", views.event_attendance_export,
         name="event_attendance_export"),
    path("events/<int:event_id>/attendance/upload/", views.event_attendance_import,
         name="event_attendance_import"),
]
