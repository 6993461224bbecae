"""URLs of the workload pages; included by certification/urls.py under the certification namespace."""

from django.urls import path

from . import views

urlpatterns: list = [
    path("workload/", views.my_entries, name="workload_my_entries"),
    path("workload/new/", views.entry_create, name="workload_entry_create"),
    path("workload/week/", views.week_grid, name="workload_week"),
    path("workload/<int:pk>/", views.entry_detail, name="workload_entry"),
    path("workload/<int:pk>/edit/", views.entry_edit, name="workload_entry_edit"),
    path("workload/<int:pk>/submit/", views.entry_submit, name="workload_entry_submit"),
    path("workload/<int:pk>/withdraw/", views.entry_withdraw, name="workload_entry_withdraw"),
    path("workload/<int:pk>/delete/", views.entry_delete, name="workload_entry_delete"),
    path("workload/review/", views.queue, name="workload_queue"),
    path("workload/review/<int:pk>/", views.entry_decide, name="workload_entry_decide"),
    path("workload/review/week/", views.week_approve, name="workload_week_approve"),
    path("workload/report/", views.report, name="workload_report"),
]
