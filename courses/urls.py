from django.urls import path

from . import views

app_name = "courses"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("mine/", views.my_learning, name="my_learning"),
    path("courses/<int:course_id>/enrol/", views.course_enrol, name="enrol"),
    path("lessons/<int:lesson_id>/progress/", views.lesson_progress, name="lesson_progress"),
    path("quizzes/<int:quiz_id>/submit/", views.quiz_submit, name="quiz_submit"),
    path("live/<int:session_id>/check-in/", views.live_check_in, name="live_check_in"),
    path("assignments/", views.assignment_list, name="assignment_list"),
    path("assignments/<int:assignment_id>/", views.assignment_detail, name="assignment_detail"),
]
