from django.urls import path

from . import event_views, views

app_name = "courses"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("mine/", views.my_learning, name="my_learning"),
    path("courses/<int:course_id>/enrol/", views.course_enrol, name="enrol"),
    path("lessons/<int:lesson_id>/progress/", views.lesson_progress, name="lesson_progress"),
    path("courseware/<int:lesson_id>/commit/", views.courseware_commit, name="courseware_commit"),
    path("courseware/<int:lesson_id>/<str:sha256>/h5p/", views.courseware_h5p, name="courseware_h5p"),
    path("courseware/<int:lesson_id>/<str:sha256>/files/<path:path>", views.courseware_file,
         name="courseware_file"),
    path("quizzes/<int:quiz_id>/submit/", views.quiz_submit, name="quiz_submit"),
    path("live/<int:session_id>/check-in/", views.live_check_in, name="live_check_in"),
    path("live/<int:session_id>/beat/", views.live_beat, name="live_beat"),
    path("assignments/", views.assignment_list, name="assignment_list"),
    path("assignments/<int:assignment_id>/", views.assignment_detail, name="assignment_detail"),
    path("events/", event_views.event_index, name="event_index"),
    path("events/manage/", event_views.event_manage_list, name="event_manage_list"),
    path("events/<int:event_id>/signup/", event_views.event_signup, name="event_signup"),
    path("events/<int:event_id>/cancel/", event_views.event_cancel, name="event_cancel"),
    path("events/<int:event_id>/scan/<str:kind>/", event_views.event_scan, name="event_scan"),
    path("events/<int:event_id>/manage/", event_views.event_manage, name="event_manage"),
    path("events/<int:event_id>/qr/", event_views.event_qr, name="event_qr"),
    path("events/<int:event_id>/signups/<int:signup_id>/mark/", event_views.event_mark,
         name="event_mark"),
    path("events/<int:event_id>/close/", event_views.event_close, name="event_close"),
]
