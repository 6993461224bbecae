"""Prepare a load run against a seeded city: sessions for N teachers enrolled in the crisis course
and one for city HR, and the URLs they will use. Writes a JSON plan for the locustfile.

    DJANGO_SETTINGS_MODULE=... python bench/load/prepare.py OUT.json --teachers 200
"""

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.production")

import django

django.setup()

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.urls import reverse

from courses import services
from courses.models import CoursePage, Enrolment, LessonPage, QuizPage
from people.models import StaffRole, Teacher


def session_for(user) -> str:
    """A logged-in session, as allauth's login would leave it (the login form is not measured)."""
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--teachers", type=int, default=200)
    args = parser.parse_args()

    course = CoursePage.objects.live().filter(category_id="crisis").first()
    lessons = list(LessonPage.objects.live().child_of(course))
    quiz = QuizPage.objects.live().child_of(course).first()
    teachers = list(Teacher.objects.filter(is_active=True, user__isnull=False)
                    .exclude(user__in=Enrolment.objects.filter(course_id=course.pk).values("user"))
                    .select_related("user").order_by("employee_no")[: args.teachers])
    if len(teachers) < args.teachers:
        teachers += list(Teacher.objects.filter(is_active=True, user__isnull=False)
                         .exclude(pk__in=[t.pk for t in teachers]).select_related("user")
                         .order_by("-employee_no")[: args.teachers - len(teachers)])
    for teacher in teachers:
        services.enrolment_create(user=teacher.user, course=course)
    hr = (StaffRole.objects.filter(role=StaffRole.Role.CITY_HR).select_related("user").first()).user
    plan = {
        "course_url": course.url,
        "lessons": [{"url": lesson.url, "duration": lesson.duration_seconds,
                     "progress_url": reverse("courses:lesson_progress", args=[lesson.pk])}
                    for lesson in lessons],
        "quiz": {"url": quiz.url, "submit_url": reverse("courses:quiz_submit", args=[quiz.pk]),
                 "questions": len(quiz.questions)} if quiz else None,
        "teachers": [session_for(t.user) for t in teachers],
        "hr": session_for(hr),
        "district_hr": session_for(StaffRole.objects.filter(role=StaffRole.Role.DISTRICT_HR)
                                   .select_related("user").first().user),
        "dashboard_url": reverse("certification:dashboard"),
        "rates_url": reverse("certification:holding_rates"),
        "export_url": reverse("hr:export_new"),
        "floor_url": reverse("healthz"),
    }
    Path(args.out).write_text(json.dumps(plan, ensure_ascii=False, indent=1))
    print(f"plan: {len(plan['teachers'])} teachers, {len(plan['lessons'])} lessons -> {args.out}")


if __name__ == "__main__":
    main()
