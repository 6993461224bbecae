"""Every URL of the site and the admin, walked from the URL resolver, as each kind of user of
school A / district X, with its parameters pointing at the records of school B / district Y.

Nothing of B or Y may come back: no page showing their people, no file, no PDF, no export, no
job, no progress, no application, and no write to their records. A new URL is covered as soon
as it exists; one whose parameters this test cannot fill fails it until they are added below.
"""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from wagtail.models import Page

from certification.models import Certificate, WorkloadEntry
from certification.services import application_submit
from courses import services as learning
from courses.models import LessonPage, QuizPage
from hr import services as hr_services
from hr.models import Job
from people.models import StaffRole
from people.services import staff_role_grant
from tests.certification.builders import certificate, hours, level
from tests.courses import builders as course_builders
from tests.factories import TeacherFactory, UserFactory, district_hr, school_admin, staff
from tests.workload import builders as workload_builders

# What belongs to school B / district Y and must never reach A or X.
SECRETS = ("乙校保密教师", "B-SECRET-0001", "SECRETCERT-B-0001", "secret-b@school-b.example.cn",
           "乙校辅导保密记录", "乙校保密心理教师", "B-SECRET-0002")

# Apps whose URLs carry personal data: their parameters must be mapped explicitly.
OUR_APPS = ("people", "courses", "certification", "hr", "cms", "lms", "api", "lti")
OUR_ADMIN_NAMESPACES = {"organisations", "teachers", "workload_activity_types",
                        "certificate_levels", "role_requirements", "recognised_credentials",
                        "assignments", "audit_events"}

# The city trainer and reviewer sit above B and Y: no purpose of theirs shows people, so they
# must see nothing of them either.
ROLES = ("anonymous", "teacher", "counsellor", "trainer", "school_admin", "hr", "city_trainer",
         "city_reviewer")


@pytest.fixture
def world(tree, settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None}}}
    a, b = tree["school_a"], tree["school_b"]
    # School A / district X: the people whose view we take.
    teacher_a = TeacherFactory(school=a)
    counsellor_a = workload_builders.counsellor(a)
    users = {
        "anonymous": None,
        "teacher": teacher_a.user,
        "counsellor": counsellor_a.user,
        "trainer": staff(StaffRole.Role.TRAINER, tree["district_x"]),
        "school_admin": school_admin(a),
        "hr": district_hr(tree["district_x"]),
        "city_trainer": staff(StaffRole.Role.TRAINER, tree["city"]),
        "city_reviewer": staff(StaffRole.Role.REVIEWER, tree["city"]),
    }
    # School B / district Y: what they must not reach.
    user_b = UserFactory(email="secret-b@school-b.example.cn")
    teacher_b = TeacherFactory(school=b, name="乙校保密教师", employee_no="B-SECRET-0001", user=user_b)
    counsellor_b = workload_builders.counsellor(b, name="乙校保密心理教师", employee_no="B-SECRET-0002")
    hours(teacher_b, Decimal("40"), date.today())
    cert_b = certificate(teacher_b, "C")
    Certificate.objects.filter(pk=cert_b.pk).update(number="SECRETCERT-B-0001")
    cert_b.refresh_from_db()
    app_b = application_submit(teacher=teacher_b, level=level("B"), submitted_by=teacher_b.user)
    entry_b = workload_builders.entry(counsellor_b, note="乙校辅导保密记录", submit=True)
    from people.models import Notice
    from people.services import notice_send

    notice_send(user=teacher_b.user, kind=Notice.Kind.PACE_BEHIND, title="乙校保密教师的通知")
    notice_b = Notice.objects.get(user=teacher_b.user, title="乙校保密教师的通知")
    course = course_builders.course(lessons=1, quiz=True, duration=60)
    lesson = LessonPage.objects.child_of(course).first()
    quiz = QuizPage.objects.child_of(course).first()
    learning.enrolment_create(user=teacher_b.user, course=course)
    learning.lesson_progress_report(user=teacher_b.user, lesson=lesson, position=0)
    hr_y = district_hr(tree["district_y"])
    assignment_y = learning.assignment_create(course=course, organisation=tree["district_y"],
                                              deadline=date.today() + timedelta(days=30),
                                              created_by=hr_y)
    job_y = hr_services.job_export_create(requester=hr_y, sheet="roster")
    hr_services.job_run_export(job_id=job_y.pk)
    job_y.refresh_from_db()
    assert job_y.has_download
    from hr.snapshots import snapshot_submit

    snapshot_y = snapshot_submit(user=hr_y, sheet="staffing", organisation=tree["district_y"],
                                 on=date(2026, 9, 1))
    # A reporting round the city opened for district Y only, answered by Y.
    from hr.rounds import round_open, round_submit

    round_y = round_open(user=staff(StaffRole.Role.CITY_HR, tree["city"]), organisation=tree["city"],
                         sheet="staffing", on=date(2026, 9, 1), due_on=date(2026, 9, 30),
                         members=[tree["district_y"]])
    submission_y = round_y.submissions.get()
    round_submit(user=hr_y, submission=submission_y)
    # An event of district Y with B's teacher signed up, and B's teacher's declared hours.
    from django.core.files.uploadedfile import SimpleUploadedFile

    from certification.declarations import declaration_submit
    from courses import event_services
    from tests.courses.test_events import event

    event_y = event(tree["district_y"])
    signup_y = event_services.event_signup(event=event_y, teacher=teacher_b)
    declaration_b = declaration_submit(
        teacher=teacher_b, files=[SimpleUploadedFile("b.png", b"\x89PNG\r\n\x1a\n" + b"0" * 32)],
        title="乙校外出培训", organiser="省厅", started_on=date(2024, 7, 1), ended_on=date(2024, 7, 2),
        hours="6", category="knowledge")
    # A's own records, for the positive controls.
    hours(teacher_a, Decimal("40"), date.today())
    cert_a = certificate(teacher_a, "C")
    entry_a = workload_builders.entry(counsellor_a, note="甲校辅导", submit=True)
    job_x = hr_services.job_export_create(requester=users["hr"], sheet="roster")
    hr_services.job_run_export(job_id=job_x.pk)
    return {
        "users": users, "tree": tree, "teacher_a": teacher_a, "counsellor_a": counsellor_a,
        "cert_a": cert_a, "entry_a": entry_a, "job_x": job_x,
        "teacher_b": teacher_b, "user_b": user_b, "cert_b": cert_b, "app_b": app_b,
        "entry_b": entry_b, "notice_b": notice_b, "job_y": job_y, "assignment_y": assignment_y, "course": course,
        "lesson": lesson, "quiz": quiz, "home": Page.objects.get(depth=2),
        "event_y": event_y, "signup_y": signup_y, "declaration_b": declaration_b,
        "snapshot_y": snapshot_y, "round_y": round_y, "submission_y": submission_y,
    }


# ------------------------------------------------------------------ the URL walk

def url_patterns():
    """(route, full name, namespace, module of the view) for every pattern."""
    found = []

    def walk(resolver, prefix, namespace):
        for p in resolver.url_patterns:
            if isinstance(p, URLResolver):
                ns = namespace
                if p.namespace:
                    ns = f"{namespace}:{p.namespace}" if namespace else p.namespace
                walk(p, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern):
                name = f"{namespace}:{p.name}" if namespace and p.name else (p.name or "")
                module = getattr(p.callback, "__module__", "") or ""
                found.append((prefix + str(p.pattern), name, namespace or "", module))

    walk(get_resolver(), "", "")
    return found


# Routes written as regular expressions, with a path that matches them.
REGEX_ROUTES = {
    "documents/^(\\d+)/(.*)$": "documents/1/x.pdf",
    "accounts/^confirm-email/(?P<key>[-:\\w]+)/$": "accounts/confirm-email/x/",
    "accounts/^password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$": "accounts/password/reset/key/1-x/",
    "^((?:[\\w\\-]+/)*)$": "",
    "admin/api/main/^pages/": "admin/api/main/pages/",
    "admin/api/main/^pages/<int:pk>/": "admin/api/main/pages/{home}/",
    "admin/api/main/^pages/find/": "admin/api/main/pages/find/?html_path=/",
    "admin/api/main/^pages/<int:pk>/action/<str:action_name>/": "admin/api/main/pages/{home}/action/copy/",
    "admin/api/main/^documents/": "admin/api/main/documents/",
    "admin/api/main/^documents/<int:pk>/": "admin/api/main/documents/1/",
    "admin/api/main/^documents/find/": "admin/api/main/documents/find/",
    "admin/api/main/^images/": "admin/api/main/images/",
    "admin/api/main/^images/<int:pk>/": "admin/api/main/images/1/",
    "admin/api/main/^images/find/": "admin/api/main/images/find/",
    "admin/pages/^(?P<pk>\\d+)/revisions/compare/(?P<revision_id_a>live|earliest|\\d+)\\.\\.\\.(?P<revision_id_b>live|latest|\\d+)/$":
        "admin/pages/{home}/revisions/compare/earliest...live/",
    "admin/media/^(?P<media_type>audio|video|media)/add/$": "admin/media/video/add/",
    "admin/media/chooser/(?P<media_type>audio|video)/": "admin/media/chooser/video/",
    "admin/media/^(?P<media_type>audio|video)/chooser/upload/$": "admin/media/video/chooser/upload/",
    "admin/^.*/$": "admin/no-such-page/",
}


def _ours(name: str, namespace: str, module: str) -> bool:
    top = namespace.split(":")[-1] if namespace else ""
    return module.split(".")[0] in OUR_APPS or top in OUR_ADMIN_NAMESPACES or \
        name.split(":")[0] in ("courses", "certification", "hr", "people", "cms")


def fill(param: str, name: str, namespace: str, world) -> str | None:
    """The value pointing at B / Y for a parameter; None when this test does not know it."""
    top = namespace.split(":")[-1] if namespace else ""
    w = world
    specific = {
        ("pk", "certification:certificate_revoke"): w["cert_b"].pk,
        ("pk", "certification:teacher_record"): w["teacher_b"].pk,
        ("pk", "certification:training_correct"): w["teacher_b"].pk,
        ("pk", "certification:application_review"): w["app_b"].pk,
        ("pk", "hr:teacher_data_export"): w["teacher_b"].pk,
        ("pk", "hr:teacher_erase"): w["teacher_b"].pk,
        ("pk", "hr:snapshot_download"): w["snapshot_y"].pk,
        ("pk", "hr:snapshot_compare"): w["snapshot_y"].pk,
        ("pk", "hr:round"): w["round_y"].pk,
        ("pk", "hr:round_submit"): w["round_y"].pk,
        ("pk", "hr:round_decide"): w["round_y"].pk,
        ("pk", "people:notice"): w["notice_b"].pk,
        ("pk", "certification:declaration_resubmit"): w["declaration_b"].pk,
        ("pk", "certification:declaration_decide"): w["declaration_b"].pk,
        ("pk", "certification:evidence_download"): w["declaration_b"].evidence.get().pk,
    }
    if (param, name) in specific:
        return str(specific[(param, name)])
    if param == "pk" and name.startswith("certification:workload_"):
        return str(w["entry_b"].pk)
    if param == "pk" and top == "teachers":
        return str(w["teacher_b"].pk)
    if param == "pk" and top == "organisations":
        return str(w["tree"]["school_b"].pk)
    if param == "pk" and top in ("wagtailusers_users",):
        return str(w["user_b"].pk)
    generic = {
        "job_id": str(w["job_y"].pk), "assignment_id": w["assignment_y"].pk,
        "course_id": w["course"].pk, "lesson_id": w["lesson"].pk, "quiz_id": w["quiz"].pk,
        "session_id": w["course"].pk, "code": w["cert_b"].verification_code, "sheet": "teachers",
        "user_id": w["user_b"].pk, "event_id": w["event_y"].pk, "signup_id": w["signup_y"].pk,
        "kind": "in", "employee_no": w["teacher_b"].employee_no,
        "submission_pk": w["submission_y"].pk,
        # A package nobody stored: the courseware files answer nobody, whoever asks.
        "sha256": "0" * 64, "path": "index.html",
    }
    if param in generic:
        return str(generic[param])
    if _ours(name, namespace, ""):
        if param == "pk" and top in OUR_ADMIN_NAMESPACES:
            return "1"  # configuration records (levels, activity types): no personal data
        return None
    # Wagtail's own admin: pages, images, documents, workflows... none holds B's people, but the
    # page is requested all the same so a leak through one of them would show.
    page_like = ("page_id", "parent_page_id", "page_to_move_id", "destination_id", "page_pk")
    if param in page_like:
        return str(w["home"].pk)
    if param in ("app_label", "content_type_app_name"):
        return "people"
    if param in ("model_name", "content_type_model_name"):
        return "teacher"
    if param in ("object_id", "pk", "id"):
        return str(w["teacher_b"].pk)
    return "1"


def build_urls(world):
    urls, unknown = [], []
    for route, name, namespace, module in url_patterns():
        if route in REGEX_ROUTES:
            path = REGEX_ROUTES[route].format(home=world["home"].pk)
            urls.append(("/" + path, name, namespace, module))
            continue
        if "^" in route or "(?P" in route:
            unknown.append(f"{route} (regex: add it to REGEX_ROUTES)")
            continue
        path = route
        for _conv, param in re.findall(r"<(?:(\w+):)?(\w+)>", route):
            value = fill(param, name, namespace, world)
            if value is None:
                unknown.append(f"{route} ({name}): parameter {param}")
                break
            path = re.sub(rf"<(?:\w+:)?{param}>", value, path, count=1)
        else:
            urls.append(("/" + path, name, namespace, module))
    return urls, unknown


def body_of(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


FILE_TYPES = ("application/pdf", "application/vnd.openxmlformats", "application/octet-stream",
              "application/zip")


# Public by design: whoever holds a certificate's verification code (printed on it as a QR code,
# 22 random characters) sees its number and level, with the holder's name masked.
PUBLIC_WITH_CODE = {"certification:verify": ("SECRETCERT-B-0001",)}
# Files that are the same for everyone and hold no records (the blank import templates).
BLANK_FILES = {"hr:template", "api:schema"}  # the import template; the API's public schema
# Wagtail's own page that raises on purpose, to test error reporting.
SKIPPED = {"/admin/failwhale/"}
# Deliberate 5xx answers: readiness says 503 while a check fails (this world has no backup).
UNAVAILABLE_BY_DESIGN = {("readyz", 503)}


def leaks(response, name: str = "") -> list[str]:
    """What of B / Y a response carries."""
    if response.status_code != 200:
        return []
    kind = response.get("Content-Type", "")
    body = body_of(response)
    allowed = PUBLIC_WITH_CODE.get(name, ())
    found = [s for s in SECRETS if s.encode() in body and s not in allowed]
    if name not in BLANK_FILES and (any(kind.startswith(t) for t in FILE_TYPES)
                                    or response.get("Content-Disposition")):
        # A file answered for B's certificate or Y's job is a leak whatever it contains.
        found.append(f"a file ({kind})")
    return found


@pytest.mark.parametrize("role", ROLES)
def test_no_url_leaks_school_b_or_district_y(client, world, role):
    urls, unknown = build_urls(world)
    assert not unknown, "URLs this matrix cannot fill (map their parameters in fill()):\n" + \
        "\n".join(unknown)
    user = world["users"][role]
    problems, attempts = [], 0
    for path, name, _ns, _module in urls:
        if path in SKIPPED:
            continue
        for method in ("get", "post"):
            if method == "post" and not _ours(name, _ns, _module):
                continue  # writes are tried on our apps' URLs, where B's records live
            if user is not None:
                client.force_login(user)  # again: a logout URL on the way must not end the walk
            attempts += 1
            response = getattr(client, method)(path)
            if response.status_code >= 500 and (name, response.status_code) \
                    not in UNAVAILABLE_BY_DESIGN:
                problems.append(f"{method.upper()} {path} ({name}): {response.status_code}")
            found = leaks(response, name)
            if found:
                problems.append(f"{method.upper()} {path} ({name}) as {role}: {', '.join(found)}")
    print(f"\nMATRIX single-role {role}: attempts {attempts}, held {attempts - len(problems)}")
    assert not problems, "\n".join(problems)
    # And nothing of B / Y was changed by the writes.
    cert_b, entry_b, app_b, job_y = (world[k] for k in ("cert_b", "entry_b", "app_b", "job_y"))
    assert Certificate.objects.get(pk=cert_b.pk).status == cert_b.status
    assert WorkloadEntry.objects.get(pk=entry_b.pk).status == entry_b.status
    app_b.refresh_from_db()
    assert app_b.status == "pending"
    assert Job.objects.get(pk=job_y.pk).has_download


def test_the_matrix_walks_the_whole_site_and_admin(world):
    urls, _unknown = build_urls(world)
    names = {name for _p, name, _n, _m in urls}
    # The walk reaches every app and the admin, so a narrowed resolver would be noticed.
    for expected in ("certification:certificate_pdf", "hr:job_download", "courses:lesson_progress",
                     "certification:workload_entry_decide", "teachers:edit", "organisations:edit",
                     "wagtailadmin_home", "wagtailusers_users:edit"):
        assert expected in names
    assert len(urls) > 300


# ------------------------------------------------------------------ positive controls

def test_each_role_reaches_its_own_records(client, world):
    """The same walk would pass if every page refused everyone: these must answer."""
    from django.urls import reverse

    w = world
    checks = [
        ("teacher", reverse("certification:certificate_pdf", args=[w["cert_a"].verification_code]),
         b"%PDF"),
        ("teacher", reverse("certification:my_certificates"), w["cert_a"].number.encode()),
        ("counsellor", reverse("certification:workload_entry", args=[w["entry_a"].pk]),
         "甲校辅导".encode()),
        ("school_admin", reverse("certification:workload_queue"), w["counsellor_a"].name.encode()),
        ("school_admin", "/admin/teachers/", w["teacher_a"].employee_no.encode()),
        ("hr", reverse("certification:teacher_record", args=[w["teacher_a"].pk]),
         w["teacher_a"].name.encode()),
        ("hr", reverse("hr:job_download", args=[w["job_x"].pk]), b"PK"),
    ]
    for role, path, expected in checks:
        client.force_login(w["users"][role])
        response = client.get(path)
        assert response.status_code == 200, (role, path, response.status_code)
        assert expected in body_of(response), (role, path)


def test_file_urls_carry_no_guessable_ids(world):
    """Certificates and export files are named by random tokens, never by counting ids."""
    urls = {name: route for route, name, _n, _m in url_patterns()}
    for name in ("certification:certificate_pdf", "hr:job_download", "hr:job",
                 "hr:snapshot_download"):
        assert "<int:" not in urls[name], name
    code = world["cert_b"].verification_code
    assert len(code) >= 22 and not code.isdigit()


# ------------------------------------------------------------------ users holding several roles
#
# Each user below holds two or three roles at different nodes. For every URL of the walk (GET)
# and every export, what they see of the marked records of the four schools must be no more
# than the union of what each of their roles alone shows them: the same user is walked with
# all their bindings, then with each binding alone (the others revoked).

SCHOOLS = ("school_a", "school_a2", "school_b", "school_b2")
MULTI = {
    "school_admin+city_trainer": [("school_admin", "school_a"), ("trainer", "city")],
    "district_hr+city_trainer": [("district_hr", "district_x"), ("trainer", "city")],
    "counsellor+school_admin": [("counsellor", "school_a"), ("school_admin", "school_a2")],
    "reviewer+district_hr": [("reviewer", "city"), ("district_hr", "district_y")],
    "school_admin+district_hr+city_trainer": [("school_admin", "school_a"),
                                              ("district_hr", "district_y"), ("trainer", "city")],
    # The user: HR of one district, school admin in another (her writes: below).
    "district_hr+school_admin_elsewhere": [("district_hr", "district_x"),
                                           ("school_admin", "school_b")],
}
MARKER_PARTS = ("T", "N", "CERT", "NOTE", "C", "CN")


def markers_for(key: str) -> list[str]:
    return [f"MK{key[-2:].upper().replace('_', '')}{part}" for part in MARKER_PARTS]


ALL_MARKERS = [m for key in SCHOOLS for m in markers_for(key)]


@pytest.fixture
def marked(world):
    """Records of each of the four schools carrying markers: a teacher (name, number), a
    certificate, a counsellor and a submitted workload note, an enrolment in a city-wide
    assignment; a city-wide export job."""
    tree = world["tree"]
    course = world["course"]
    city_hr = staff(StaffRole.Role.CITY_HR, tree["city"])
    for key in SCHOOLS:
        t, n, cert_no, note, c, cn = markers_for(key)
        teacher = TeacherFactory(school=tree[key], name=t, employee_no=n)
        Certificate.objects.filter(pk=certificate(teacher, "C").pk).update(number=cert_no)
        hours(teacher, Decimal("12"), date.today())
        counsellor = workload_builders.counsellor(tree[key], name=c, employee_no=cn)
        workload_builders.entry(counsellor, note=note, submit=True)
    assignment = learning.assignment_create(course=course, organisation=tree["city"],
                                            deadline=date.today() + timedelta(days=20),
                                            created_by=city_hr)
    job = hr_services.job_export_create(requester=city_hr, sheet="teachers")
    hr_services.job_run_export(job_id=job.pk)
    users = {}
    for name, bindings in MULTI.items():
        user = None
        for role, node in bindings:
            if role == "counsellor":
                user = workload_builders.counsellor(tree[node], name=f"{name}教师").user
                workload_builders.entry(user.teacher, note="兼任者自己的记录", submit=True)
        user = user or UserFactory()
        for role, node in bindings:
            if role != "counsellor":
                staff_role_grant(user=user, role=role, organisation=tree[node])
        users[name] = user
    return {**world, "multi": users, "city_assignment": assignment, "city_job": job}


def _seen(client, user, urls) -> dict[str, set[str]]:
    """Per URL, the markers (and whether a file) the user gets by GET."""
    seen = {}
    for path, name, _ns, _module in urls:
        if path in SKIPPED:
            continue
        client.force_login(user)
        response = client.get(path)
        found = set()
        if response.status_code == 200:
            body = body_of(response)
            kind = response.get("Content-Type", "")
            if kind.startswith("application/vnd.openxmlformats"):
                body += _xlsx_text(body).encode()
            found = {m for m in ALL_MARKERS if m.encode() in body}
            if name not in BLANK_FILES and (any(kind.startswith(t) for t in FILE_TYPES)
                                            or response.get("Content-Disposition")):
                found.add("a file")
        seen[path] = found
    return seen


def _xlsx_text(data: bytes) -> str:
    import io

    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(data), read_only=True).active
    return " ".join(str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None)


def _exports_seen(user) -> dict[str, set[str]]:
    from hr.exports import EXPORTS
    from hr.services import JobError

    seen = {}
    for sheet in sorted(EXPORTS):
        try:
            job = hr_services.job_export_create(requester=user, sheet=sheet)
        except JobError:
            seen[sheet] = set()
            continue
        hr_services.job_run_export(job_id=job.pk)
        job.refresh_from_db()
        assert job.status == Job.Status.DONE, (sheet, job.error)
        with job.result_file.open("rb") as f:
            text = _xlsx_text(f.read())
        seen[sheet] = {m for m in ALL_MARKERS if m in text}
    return seen


def _alone(user, keep, bindings, tree):
    """Revoke every staff binding of `user` but `keep` (None: keep all)."""
    from people.services import staff_role_revoke

    for role, node in bindings:
        if role == "counsellor":
            continue
        if keep is None or (role, node) == keep:
            staff_role_grant(user=user, role=role, organisation=tree[node])
        else:
            staff_role_revoke(user=user, role=role, organisation=tree[node])


def _fill_multi(world):
    """The walk's URLs, with assignment and job pointing at the city-wide ones."""
    urls, unknown = build_urls({**world, "assignment_y": world["city_assignment"],
                                "job_y": world["city_job"]})
    assert not unknown
    return urls


MATRIX_COUNTS: dict[str, tuple[int, int]] = {}


@pytest.mark.parametrize("name", list(MULTI))
def test_a_second_role_never_widens_the_first(client, marked, name):
    tree = marked["tree"]
    user, bindings = marked["multi"][name], MULTI[name]
    urls = _fill_multi(marked)
    together = _seen(client, user, urls)
    exports_together = _exports_seen(user)
    alone_union: dict[str, set[str]] = {path: set() for path in together}
    exports_union: dict[str, set[str]] = {sheet: set() for sheet in exports_together}
    for binding in bindings:
        if binding[0] == "counsellor":
            _alone(user, ("none", "none"), bindings, tree)  # the teacher with no staff role
        else:
            _alone(user, binding, bindings, tree)
        for path, found in _seen(client, user, urls).items():
            alone_union[path] |= found
        for sheet, found in _exports_seen(user).items():
            exports_union[sheet] |= found
    _alone(user, None, bindings, tree)
    wider = [f"GET {path}: {sorted(found - alone_union[path])}"
             for path, found in together.items() if found - alone_union[path]]
    wider += [f"export {sheet}: {sorted(found - exports_union[sheet])}"
              for sheet, found in exports_together.items() if found - exports_union[sheet]]
    MATRIX_COUNTS[name] = (len(together) + len(exports_together), len(together) +
                           len(exports_together) - len(wider))
    print(f"\nMATRIX multi-role {name}: attempts {MATRIX_COUNTS[name][0]}, "
          f"held {MATRIX_COUNTS[name][1]}")
    assert not wider, f"{name} sees more than its roles alone would:\n" + "\n".join(wider)
    # Positive control: the walk saw something, or the property would hold vacuously.
    assert any(together.values()), name


# ------------------------------------------------------------------ writes under a second role
#
# The read walk above holds for every pairing; writes are checked with forms a user would
# really send (valid data), since an empty POST proves nothing. The user of the issue: district
# HR of X who is also school admin of B. Her school admin binding shows her B; her HR group
# carries the change permissions. No write of hers may reach B.

def _writes_to_b(world):
    from django.urls import reverse

    tree, b = world["tree"], world["teacher_b"]
    school = tree["school_b"]
    return [
        ("move B's school under X", reverse("organisations:edit", args=[school.pk]),
         {"name": school.name, "code": school.code, "kind": "school", "parent": tree["town_x"].pk}),
        ("rename B's school and make it a district", reverse("organisations:edit", args=[school.pk]),
         {"name": "改名", "code": school.code, "kind": "district", "parent": tree["town_y"].pk}),
        ("edit, move and mark left B's teacher", reverse("teachers:edit", args=[b.pk]),
         {"name": "改名", "gender": "F", "school": tree["school_a"].pk, "role": "subject_teacher",
          "posts": ["subject_teacher"], "hire_date": "2015-09-01", "status": "left"}),
        ("add a school under B's township", reverse("organisations:add"),
         {"name": "新校", "code": "NEW-B-01", "kind": "school", "parent": tree["town_y"].pk}),
    ]


def _state_of_b(world):
    from people.models import Organisation, Teacher

    school = Organisation.objects.get(pk=world["tree"]["school_b"].pk)
    teacher = Teacher.objects.get(pk=world["teacher_b"].pk)
    return (school.path, school.name, school.kind, teacher.name, teacher.school_id, teacher.status,
            Organisation.objects.filter(code="NEW-B-01").exists())


def test_a_second_role_never_widens_a_write(client, world):
    tree = world["tree"]
    user = district_hr(tree["district_x"])
    staff_role_grant(user=user, role=StaffRole.Role.SCHOOL_ADMIN, organisation=tree["school_b"])
    before = _state_of_b(world)
    client.force_login(user)
    writes = _writes_to_b(world)
    for label, url, data in writes:
        client.post(url, data)
        assert _state_of_b(world) == before, label
    print(f"\nMATRIX multi-role writes: attempts {len(writes)}, held {len(writes)}")
    # Positive control: the same forms work on her own district.
    a = world["teacher_a"]
    response = client.post(reverse_("teachers:edit", a.pk), {
        "name": a.name, "gender": "F", "school": tree["school_a2"].pk, "role": "subject_teacher",
        "posts": ["subject_teacher"], "hire_date": "2015-09-01", "status": "active"})
    assert response.status_code == 302


def reverse_(name, *args):
    from django.urls import reverse

    return reverse(name, args=args)


# ------------------------------------------------------------------ deciding about oneself
#
# A teacher of school A who also holds staff roles (district HR of X, school admin of A) tries
# every decision on her own records, through the pages. Each must be refused and change nothing.

@pytest.fixture
def self_dealer(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from certification.declarations import declaration_school_check, declaration_submit

    tree = world["tree"]
    me = TeacherFactory(school=tree["school_a"], name="兼任者")
    staff_role_grant(user=me.user, role=StaffRole.Role.DISTRICT_HR, organisation=tree["district_x"])
    staff_role_grant(user=me.user, role=StaffRole.Role.SCHOOL_ADMIN, organisation=tree["school_a"])
    hours(me, Decimal("130"), date.today())
    cert = certificate(me, "C")
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 32

    def declare(teacher=me):
        return declaration_submit(teacher=teacher, files=[SimpleUploadedFile("e.png", png)],
                                  title="外出培训", organiser="省厅", started_on=date(2024, 7, 1),
                                  ended_on=date(2024, 7, 20), hours="120", category="knowledge")

    submitted = declare()
    checked = declare()
    declaration_school_check(declaration=checked, checked_by=school_admin(tree["school_a"]))
    app = application_submit(teacher=me, level=level("B"), submitted_by=me.user)
    # A colleague's declaration she checked at the school, as its school admin.
    colleagues = declare(world["teacher_a"])
    declaration_school_check(declaration=colleagues, checked_by=me.user)
    return {"me": me, "cert": cert, "submitted": submitted, "checked": checked, "app": app,
            "colleagues": colleagues, "tree": tree}


def _self_state(d):
    from certification.models import Application, HourDeclaration, TrainingEntry

    me = d["me"]
    return (TrainingEntry.objects.filter(teacher=me).count(),
            Certificate.objects.filter(teacher=me).values_list("status", flat=True).first(),
            Certificate.objects.filter(teacher=me).count(),
            HourDeclaration.objects.get(pk=d["submitted"].pk).status,
            HourDeclaration.objects.get(pk=d["checked"].pk).status,
            HourDeclaration.objects.get(pk=d["colleagues"].pk).status,
            Application.objects.get(pk=d["app"].pk).status,
            sorted(StaffRole.objects.filter(user=me.user).values_list("role", flat=True)),
            type(me).objects.get(pk=me.pk).hire_date)


SELF_DEALING = {
    "approve her own declaration": lambda d: (
        "certification:declaration_decide", [d["checked"].pk], {"action": "approve"}),
    "school-check her own declaration": lambda d: (
        "certification:declaration_decide", [d["submitted"].pk], {"action": "check"}),
    "correct her own hours by +200": lambda d: (
        "certification:training_correct", [d["me"].pk],
        {"hours": "200", "date": date.today().isoformat(), "reason": "补录", "category": ""}),
    "approve her own B application": lambda d: (
        "certification:application_review", [d["app"].pk], {"decision": "approve", "reason": ""}),
    "revoke her own certificate": lambda d: (
        "certification:certificate_revoke", [d["cert"].pk], {"reason": "自行撤销"}),
    "grant herself a role": lambda d: (
        "staff_roles:add", [], {"person": d["me"].employee_no, "role": "school_admin",
                                "organisation": d["tree"]["school_a2"].pk}),
    "take both steps of a colleague's review": lambda d: (
        "certification:declaration_decide", [d["colleagues"].pk], {"action": "approve"}),
    "edit her own teacher record": lambda d: (
        "teachers:edit", [d["me"].pk],
        {"name": d["me"].name, "gender": "F", "school": d["me"].school_id,
         "role": "subject_teacher", "posts": ["subject_teacher"], "hire_date": "2025-09-01",
         "status": "active"}),
}


@pytest.mark.parametrize("case", list(SELF_DEALING))
def test_nobody_decides_about_themselves(client, self_dealer, case):
    name, args, data = SELF_DEALING[case](self_dealer)
    before = _self_state(self_dealer)
    client.force_login(self_dealer["me"].user)
    response = client.post(reverse_(name, *args), data)
    assert response.status_code < 500
    assert _self_state(self_dealer) == before, case
    print(f"\nMATRIX self-dealing {case}: attempts 1, held 1")
