"""An LTI 1.3 journey against a platform made in the test: a loopback HTTP server serving the
platform's keys (JWKS), its OAuth2 token endpoint and its AGS score endpoint, and an RSA key of
the test's own signing the id_token.

OIDC login initiation → launch → the roster's teacher (found by the 工号 claim) is logged in on
the course → she completes it here → the score reaches the platform → the ledger holds the
course's hours once.
"""

import json
import threading
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth import get_user_model
from jwcrypto.jwk import JWK
from lti_tool.models import Key, LtiDeployment, LtiRegistration

from certification.models import TrainingEntry
from courses import services as course_services
from courses.models import CourseCompletion, Enrolment
from lti.models import LtiOutcome
from people.models import Teacher
from tests.courses import builders
from tests.html_text import visible_text as html_text

T0 = datetime(2024, 5, 6, 9, 0).astimezone()
ISS = "https://moodle.college.example.test"
CLIENT_ID = "tool-client-1"
DEPLOYMENT = "deployment-1"
# Fixed times: the platform's token is valid from 2023 to 2100 (nothing here reads the clock).
IAT, EXP = 1_700_000_000, 4_102_444_800
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
LTI = "https://purl.imsglobal.org/spec/lti/claim/"


class FakePlatform:
    """The platform's side: its signing key and the three endpoints a tool calls."""

    def __init__(self):
        self.private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.pem = self.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption())
        jwk = JWK.from_pem(self.private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
        self.kid = jwk.thumbprint()
        self.public_jwk = {**json.loads(jwk.export_public()), "kid": self.kid, "alg": "RS256",
                           "use": "sig"}
        self.tool_jwks = None  # the tool's keys, as the platform fetched them
        self.token_requests, self.scores, self.registrations = [], [], []
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                if self.path == "/jwks":
                    return self._send(200, {"keys": [platform.public_jwk]})
                if self.path == "/.well-known/openid-configuration":
                    return self._send(200, {
                        "issuer": platform.url, "authorization_endpoint": f"{platform.url}/auth",
                        "token_endpoint": f"{platform.url}/token",
                        "jwks_uri": f"{platform.url}/jwks",
                        "registration_endpoint": f"{platform.url}/register",
                        "https://purl.imsglobal.org/spec/lti-platform-configuration": {
                            "product_family_code": "moodle"}})
                return self._send(404, {})

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                if self.path == "/register":
                    platform.registrations.append({
                        "authorization": self.headers.get("Authorization"),
                        "body": json.loads(body)})
                    return self._send(200, {
                        "client_id": "dyn-client-1",
                        "https://purl.imsglobal.org/spec/lti-tool-configuration": {
                            "deployment_id": "dyn-deployment-1"}})
                if self.path == "/token":
                    form = {k: v[0] for k, v in parse_qs(body).items()}
                    platform.token_requests.append(form)
                    if not platform.assertion_is_the_tools(form.get("client_assertion", "")):
                        return self._send(401, {"error": "invalid_client"})
                    return self._send(200, {"access_token": "platform-token",
                                            "token_type": "Bearer", "expires_in": 3600})
                if self.path == "/courses/7/lineitems/1/lineitem/scores":
                    platform.scores.append({
                        "authorization": self.headers.get("Authorization"),
                        "content_type": self.headers.get("Content-Type"),
                        "body": json.loads(body)})
                    return self._send(200, {})
                return self._send(404, {})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def assertion_is_the_tools(self, assertion: str) -> bool:
        """The token request is signed with a key of the tool's published JWKS."""
        header = jwt.get_unverified_header(assertion)
        for key in (self.tool_jwks or {}).get("keys", []):
            if key["kid"] == header.get("kid"):
                public = jwt.PyJWK.from_dict(key).key
                claims = jwt.decode(assertion, public, algorithms=["RS256"],
                                    audience=f"{self.url}/token",
                                    options={"verify_exp": False, "verify_iat": False})
                return claims["iss"] == CLIENT_ID
        return False

    def id_token(self, *, nonce, sub, custom=None, message_type="LtiResourceLinkRequest",
                 key=None, extra=None):
        claims = {
            "iss": ISS, "aud": CLIENT_ID, "sub": sub, "iat": IAT, "exp": EXP, "nonce": nonce,
            "name": "张老师",
            LTI + "message_type": message_type, LTI + "version": "1.3.0",
            LTI + "deployment_id": DEPLOYMENT,
            LTI + "roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"],
            LTI + "context": {"id": "course-7", "title": "心理健康教育（学院）"},
            LTI + "custom": custom or {},
        }
        if message_type == "LtiResourceLinkRequest":
            claims[LTI + "resource_link"] = {"id": "link-1", "title": "危机识别"}
            claims["https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"] = {
                "scope": [SCORE_SCOPE],
                "lineitems": f"{self.url}/courses/7/lineitems",
                "lineitem": f"{self.url}/courses/7/lineitems/1/lineitem",
            }
        claims.update(extra or {})
        return jwt.encode(claims, key or self.pem, algorithm="RS256", headers={"kid": self.kid})


@pytest.fixture
def platform(db):
    fake = FakePlatform()
    fake.thread.start()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


@pytest.fixture
def registration(platform):
    Key.objects.generate()
    registration = LtiRegistration.objects.create(
        name="教师进修学院 Moodle", issuer=ISS, client_id=CLIENT_ID,
        auth_url=f"{platform.url}/auth", token_url=f"{platform.url}/token",
        keyset_url=f"{platform.url}/jwks")
    LtiDeployment.objects.create(registration=registration, deployment_id=DEPLOYMENT,
                                 is_active=True)
    return registration


@pytest.fixture
def course(db):
    return builders.course(lessons=1, quiz=False, duration=30, title="危机识别与干预")


def login_initiation(client, registration, target):
    """The platform's third-party login initiation; returns the state and nonce it hands on."""
    response = client.get(f"/lti/login/{registration.uuid}/", {
        "iss": ISS, "client_id": CLIENT_ID, "login_hint": "hint-1", "lti_message_hint": "m-1",
        "lti_deployment_id": DEPLOYMENT, "target_link_uri": target, "lti1p3_new_window": "1"})
    assert response.status_code == 302
    query = parse_qs(urlsplit(response["Location"]).query)
    assert response["Location"].startswith(registration.auth_url)
    assert query["redirect_uri"] == [target]
    return query["state"][0], query["nonce"][0]


def launch(client, platform, registration, *, course_pk, sub, custom=None, key=None):
    target = f"http://testserver/lti/launch/?course={course_pk}"
    state, nonce = login_initiation(client, registration, target)
    token = platform.id_token(nonce=nonce, sub=sub, custom=custom, key=key,
                              extra={LTI + "target_link_uri": target})
    return client.post("/lti/launch/", {"id_token": token, "state": state})


def watch(user, lesson, t=T0):
    """Play the lesson through as the player reports it (a report every 5 s of real time)."""
    position = 0
    course_services.lesson_progress_report(user=user, lesson=lesson, position=0, now=t)
    while position < lesson.duration_seconds:
        position += 5
        t += timedelta(seconds=5)
        course_services.lesson_progress_report(user=user, lesson=lesson, position=position, now=t)


def test_launch_logs_the_teacher_in_and_her_completion_goes_back_once(
        client, platform, registration, course, teacher_a, django_capture_on_commit_callbacks):
    # The tool's keys, as the platform reads them from the tool's JWKS at registration.
    platform.tool_jwks = client.get("/lti/jwks/").json()
    assert [k["kid"] for k in platform.tool_jwks["keys"]] == [str(Key.objects.get())]

    response = launch(client, platform, registration, course_pk=course.pk, sub="moodle-user-42",
                      custom={"employee_no": f" {teacher_a.employee_no} "})
    assert response.status_code == 302
    assert response["Location"] == course.url
    page = client.get(course.url)
    assert page.status_code == 200
    assert page.wsgi_request.user == teacher_a.user
    assert Enrolment.objects.filter(user=teacher_a.user, course=course).exists()
    outcome = LtiOutcome.objects.get()
    assert (outcome.user, outcome.course, outcome.sub) == (teacher_a.user, course, "moodle-user-42")

    lesson = course.get_children().specific().get()
    with django_capture_on_commit_callbacks(execute=True):
        watch(teacher_a.user, lesson)
    completion = CourseCompletion.objects.get(user=teacher_a.user, course=course)

    assert len(platform.scores) == 1
    score = platform.scores[0]
    assert score["authorization"] == "Bearer platform-token"
    assert score["content_type"] == "application/vnd.ims.lis.v1.score+json"
    assert score["body"] == {
        "scoreGiven": 1.0, "scoreMaximum": 1.0, "activityProgress": "Completed",
        "gradingProgress": "FullyGraded", "userId": "moodle-user-42",
        "timestamp": completion.completed_at.isoformat()}
    assert platform.token_requests[0]["scope"] == SCORE_SCOPE
    assert LtiOutcome.objects.get().reported_at is not None

    # Launched again from the platform: same teacher, no second score, no second credit.
    client.logout()
    with django_capture_on_commit_callbacks(execute=True):
        again = launch(client, platform, registration, course_pk=course.pk,
                       sub="moodle-user-42", custom={"employee_no": teacher_a.employee_no})
    assert again.status_code == 302
    assert len(platform.scores) == 1
    entries = TrainingEntry.objects.filter(teacher=teacher_a)
    assert [(e.hours, e.reference) for e in entries] == [
        (course.credit_hours, f"course-completion:{completion.pk}")]


def test_a_launch_signed_by_another_key_is_refused(client, platform, registration, course,
                                                   teacher_a):
    forger = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption())
    response = launch(client, platform, registration, course_pk=course.pk, sub="moodle-user-42",
                      custom={"employee_no": teacher_a.employee_no}, key=forger)
    assert response.status_code == 403
    assert "无法验证" in html_text(response.content.decode())
    assert not response.wsgi_request.user.is_authenticated
    assert not Enrolment.objects.exists()
    assert not LtiOutcome.objects.exists()


def test_an_unknown_person_without_a_employee_no_gets_nothing_created(
        client, platform, registration, course, teacher_a):
    users = get_user_model().objects.count()
    response = launch(client, platform, registration, course_pk=course.pk, sub="stranger-1")
    assert response.status_code == 403
    assert "人事" in html_text(response.content.decode())
    assert not response.wsgi_request.user.is_authenticated
    assert get_user_model().objects.count() == users
    assert Teacher.objects.count() == 1
    assert not Enrolment.objects.exists()
    assert not LtiOutcome.objects.exists()


def test_a_deployment_not_switched_on_is_refused(client, platform, registration, course,
                                                 teacher_a):
    """A platform's first launch records its deployment switched off until city HR agrees."""
    registration.deployments.update(is_active=False)
    response = launch(client, platform, registration, course_pk=course.pk, sub="moodle-user-42",
                      custom={"employee_no": teacher_a.employee_no})
    assert response.status_code == 403
    assert "尚未在本平台启用" in html_text(response.content.decode())
    assert not Enrolment.objects.exists()


def test_the_same_name_without_a_employee_no_is_not_a_match(client, platform, registration,
                                                            course, teacher_a):
    """Never by name: a platform user named like the teacher is still nobody here."""
    token_name = teacher_a.name
    target = f"http://testserver/lti/launch/?course={course.pk}"
    state, nonce = login_initiation(client, registration, target)
    token = platform.id_token(nonce=nonce, sub="other-9",
                              extra={"name": token_name, LTI + "target_link_uri": target})
    response = client.post("/lti/launch/", {"id_token": token, "state": state})
    assert response.status_code == 403
    assert "人事" in html_text(response.content.decode())
    assert not Enrolment.objects.exists()


def test_deep_linking_returns_the_chosen_course(client, platform, registration, course):
    other = builders.course(lessons=1, quiz=False, title="家校沟通")
    target = "http://testserver/lti/launch/"
    state, nonce = login_initiation(client, registration, target)
    token = platform.id_token(
        nonce=nonce, sub="moodle-teacher-1", message_type="LtiDeepLinkingRequest",
        extra={"https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings": {
            "deep_link_return_url": f"{platform.url}/deep-link-return",
            "accept_types": ["ltiResourceLink"],
            "accept_presentation_document_targets": ["iframe", "window"],
            "data": "platform-data-1"}})
    page = client.post("/lti/launch/", {"id_token": token, "state": state})
    assert page.status_code == 200
    body = page.content.decode()
    assert "危机识别与干预" in body and "家校沟通" in body
    assert platform.url in page["Content-Security-Policy"]
    launch_id = parse_qs_form(body)["launch_id"]

    answer = client.post("/lti/deep-link/", {"launch_id": launch_id, "course": other.pk})
    assert answer.status_code == 200
    html = answer.content.decode()
    assert f'action="{platform.url}/deep-link-return"' in html
    response_jwt = html.split('name="JWT" value="', 1)[1].split('"', 1)[0]
    tool_jwks = client.get("/lti/jwks/").json()
    claims = jwt.decode(response_jwt, jwt.PyJWK.from_dict(tool_jwks["keys"][0]).key,
                        algorithms=["RS256"], audience=ISS,
                        options={"verify_exp": False, "verify_iat": False})
    assert claims[LTI + "message_type"] == "LtiDeepLinkingResponse"
    assert claims["https://purl.imsglobal.org/spec/lti-dl/claim/data"] == "platform-data-1"
    [item] = claims["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"]
    assert item["title"] == "家校沟通"
    assert item["url"] == f"http://testserver/lti/launch/?course={other.pk}"
    assert item["custom"]["course_id"] == str(other.pk)
    assert item["lineItem"]["scoreMaximum"] == 1


def parse_qs_form(html: str) -> dict:
    """The hidden inputs of a page's form."""
    values = {}
    for chunk in html.split('<input type="hidden" ')[1:]:
        name = chunk.split('name="', 1)[1].split('"', 1)[0]
        values[name] = chunk.split('value="', 1)[1].split('"', 1)[0]
    return values


def test_city_hr_issues_a_link_and_the_platform_registers_itself(client, platform, tree, settings):
    from tests import factories

    settings.DEBUG = True  # the test platform serves plain http on 127.0.0.1

    hr = factories.staff("city_hr", tree["city"])
    district = factories.staff("district_hr", tree["district_x"])
    client.force_login(district)
    # Only the city decides which platforms may log its teachers in.
    for url in ("/admin/lti/register/", "/admin/lti/platforms/"):
        refused = client.get(url)
        assert (refused.status_code, refused["Location"]) == (302, "/admin/")
    assert client.post("/admin/lti/register/").status_code == 302
    client.force_login(hr)
    assert client.get("/admin/lti/platforms/").status_code == 200
    page = client.post("/admin/lti/register/")
    link = parse_qs_form_link(page.content.decode())
    client.logout()

    configuration = f"{platform.url}/.well-known/openid-configuration"
    done = client.get(link, {"openid_configuration": configuration,
                             "registration_token": "reg-token-1"})
    assert done.status_code == 200
    [registered] = platform.registrations
    assert registered["authorization"] == "Bearer reg-token-1"
    tool = registered["body"]
    assert tool["initiate_login_uri"] == "http://testserver/lti/login/"
    assert tool["redirect_uris"] == ["http://testserver/lti/launch/"]
    assert tool["jwks_uri"] == "http://testserver/lti/jwks/"
    assert tool["https://purl.imsglobal.org/spec/lti-tool-configuration"][
        "custom_parameters"] == {"employee_no": "$Person.sourcedId"}
    registration = LtiRegistration.objects.get(client_id="dyn-client-1")
    assert (registration.issuer, registration.keyset_url, registration.is_active) == (
        platform.url, f"{platform.url}/jwks", True)
    assert registration.deployments.get().deployment_id == "dyn-deployment-1"
    assert registration.deployments.get().is_active

    again = client.get(link, {"openid_configuration": configuration,
                              "registration_token": "reg-token-2"})
    assert again.status_code == 403
    assert len(platform.registrations) == 1


def parse_qs_form_link(html: str) -> str:
    return html.split("<p data-registration-link><code>", 1)[1].split("</code>", 1)[0]


def test_dynamic_registration_refuses_plain_http_unless_debug(client, platform, tree, settings):
    from tests import factories

    settings.DEBUG = False
    client.force_login(factories.staff("city_hr", tree["city"]))
    link = parse_qs_form_link(client.post("/admin/lti/register/").content.decode())
    client.logout()
    configuration = f"{platform.url}/.well-known/openid-configuration"
    refused = client.get(link, {"openid_configuration": configuration,
                                "registration_token": "reg-token-1"})
    assert refused.status_code == 400
    assert "对方平台的注册地址必须使用 https://。" in refused.content.decode()
    assert platform.registrations == []
    assert not LtiRegistration.objects.exists()
    # The link was not spent: on a developer's machine (DEBUG) the same platform registers.
    settings.DEBUG = True
    assert client.get(link, {"openid_configuration": configuration}).status_code == 200
    assert LtiRegistration.objects.filter(client_id="dyn-client-1").exists()


def test_registration_refuses_a_platform_whose_endpoints_are_plain_http(db, settings):
    from lti.services import RegistrationFailed, lti_platform_register

    settings.DEBUG = False
    issuer = "https://moodle.college.example.test"
    posted = []

    class Session:
        def get(self, url, **kw):
            return type("Answer", (), {"json": lambda self: {
                "issuer": issuer, "authorization_endpoint": f"{issuer}/auth",
                "token_endpoint": f"{issuer}/token", "jwks_uri": f"{issuer}/jwks",
                "registration_endpoint": "http://moodle.college.example.test/register"}})()

        def post(self, url, **kw):
            posted.append(url)

    with pytest.raises(RegistrationFailed, match="https://"):
        lti_platform_register(openid_configuration=f"{issuer}/.well-known/openid-configuration",
                              registration_token="t", base_url="https://tool.example.test",
                              client_name="tool", session=Session())
    assert posted == []
    assert not LtiRegistration.objects.exists()
