"""Load on a seeded city: teachers watching the crisis course (a progress report every 10 s,
as the player sends them), opening its pages and answering its quiz, while city HR asks for
certificate-roster exports and city and district HR open the dashboard, the rates page and the
holding sheet. `FloorUser` alone measures a minimal view on the same server.

The plan (sessions and URLs) comes from prepare.py through LOAD_PLAN. Requests go over
loopback as the TLS-terminating proxy would forward them (X-Forwarded-Proto: https), so the
production settings (secure cookies, SSL redirect) apply unchanged.
"""

import itertools
import json
import os
import random
import secrets
import string
import time
from urllib.parse import urlsplit

import gevent
from locust import HttpUser, constant, task

PLAN = json.loads(open(os.environ["LOAD_PLAN"], encoding="utf-8").read())
_sessions = itertools.cycle(PLAN["teachers"])
SHEET_TIMEOUT = int(os.environ.get("LOAD_SHEET_TIMEOUT", "120"))  # seconds


def headers_for(session_key: str) -> dict:
    token = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))
    return {
        "Cookie": f"sessionid={session_key}; csrftoken={token}",
        "X-CSRFToken": token,
        "X-Forwarded-Proto": "https",
        "Referer": os.environ.get("LOAD_ORIGIN", "https://127.0.0.1:8110") + "/",
    }


class TeacherUser(HttpUser):
    weight = 100
    wait_time = constant(10)

    def on_start(self):
        self.client.headers.update(headers_for(next(_sessions)))
        self.lesson = 0
        self.position = 0.0
        self.client.get(PLAN["course_url"], name="course page")
        self.client.get(PLAN["lessons"][0]["url"], name="lesson page")

    @task
    def watch(self):
        lesson = PLAN["lessons"][self.lesson]
        self.position = min(lesson["duration"], self.position + 10)
        self.client.post(lesson["progress_url"], json={"position": self.position},
                         name="progress report")
        if self.position < lesson["duration"]:
            return
        self.lesson, self.position = self.lesson + 1, 0.0
        if self.lesson < len(PLAN["lessons"]):
            self.client.get(PLAN["lessons"][self.lesson]["url"], name="lesson page")
            return
        quiz = PLAN["quiz"]
        if quiz:
            self.client.get(quiz["url"], name="quiz page")
            answers = {f"q{n}": str(random.randint(0, 1)) for n in range(quiz["questions"])}
            self.client.post(quiz["submit_url"], data=answers, name="quiz submit")
        self.client.get(PLAN["course_url"], name="course page")
        self.lesson = 0


class HRUser(HttpUser):
    weight = 1
    fixed_count = 1
    wait_time = constant(30)

    def on_start(self):
        self.client.headers.update(headers_for(PLAN["hr"]))

    @task
    def export(self):
        self.client.post(PLAN["export_url"], data={"sheet": "roster"}, name="hr export request")


class _StaffFigures(HttpUser):
    """A bureau's HR officer: the dashboard, the rates page, and every third turn the holding
    sheet as the desk gets it: ask for the export, poll the job's status as the page does
    (every 2 s), download the file. "holding sheet ready" is the time from asking to the
    download link (the job waits behind the roster exports on the one worker)."""
    abstract = True
    weight = 1
    fixed_count = 1
    wait_time = constant(10)
    session = ""
    label = ""

    def on_start(self):
        self.client.headers.update(headers_for(PLAN[self.session]))
        self.turn = 0

    @task
    def figures(self):
        # The first view computes the page's figures (nothing is shared yet); the later ones
        # are what the officer meets the rest of the day: reported apart.
        first = " (first view)" if self.turn == 0 else ""
        self.client.get(PLAN["dashboard_url"], name=f"{self.label} dashboard{first}")
        self.client.get(PLAN["rates_url"], name=f"{self.label} rates page{first}")
        if self.turn % 3 == 0:
            self.holding_sheet()
        self.turn += 1

    def holding_sheet(self):
        started = time.perf_counter()
        response = self.client.post(PLAN["export_url"], data={"sheet": "holding"},
                                    allow_redirects=False,
                                    name=f"{self.label} holding sheet request")
        job_url = response.headers.get("Location", "")
        if response.status_code != 302 or "/jobs/" not in job_url:
            return
        job_url = urlsplit(job_url).path
        download = None
        for _ in range(int(SHEET_TIMEOUT / 2)):
            gevent.sleep(2)
            status = self.client.get(job_url + "status/", name=f"{self.label} holding sheet poll")
            try:
                job = status.json()
            except ValueError:
                return
            if job.get("download") or not job.get("active", True):
                download = job.get("download")
                break
        ready = (time.perf_counter() - started) * 1000
        self.environment.events.request.fire(
            request_type="JOB", name=f"{self.label} holding sheet ready", response_time=ready,
            response_length=0, context={},
            exception=None if download else RuntimeError("no file within the timeout"))
        if download:
            self.client.get(download, name=f"{self.label} holding sheet download")


class CityHRFigures(_StaffFigures):
    session, label = "hr", "city HR"


class DistrictHRFigures(_StaffFigures):
    session, label = "district_hr", "district HR"


class FloorUser(HttpUser):
    wait_time = constant(2)

    def on_start(self):
        self.client.headers.update({"X-Forwarded-Proto": "https"})

    @task
    def floor(self):
        self.client.get(PLAN["floor_url"], name="floor (minimal view)")
