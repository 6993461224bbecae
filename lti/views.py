"""LTI 1.3 doors: login initiation, launch, the tool's keys (JWKS) and deep-link course picking.

The platform POSTs the launch from its own site: the views are CSRF-exempt and the id_token's
signature, nonce and state (a cookie set at login initiation) are what authenticate it.
"""

import logging
from urllib.parse import parse_qs, urlencode, urlsplit

from django.contrib.auth import login
from django.core import signing
from django.core.cache import cache
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from lti_tool.models import Key, LtiLaunch
from lti_tool.utils import DjangoToolConfig
from lti_tool.views import LtiLaunchBaseView, OIDCLoginInitView
from lti_tool.views import jwks as library_jwks
from pylti1p3.contrib.django import DjangoCacheDataStorage, DjangoMessageLaunch
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.exception import LtiException
from pylti1p3.lineitem import LineItem
from wagtail.models import Site

from courses.models import CoursePage
from people import purposes
from people.access import staff_required

from . import services

log = logging.getLogger(__name__)
COURSE_CLAIM = "course_id"
jwks = library_jwks


def _refused(request, reason, status=403):
    return render(request, "lti/refused.html", {"reason": reason}, status=status)


def _origin(url: str) -> str:
    parts = urlsplit(url or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


class LoginInitView(OIDCLoginInitView):
    """The platform's OIDC third-party login initiation, in the site's languages."""

    def get_oidc_response(self, request, registration_uuid, params):
        try:
            return super().get_oidc_response(request, registration_uuid, params)
        except LtiException as error:
            log.warning("LTI login initiation refused: %s", error)
            return _refused(request, _("This platform is not registered here, or its "
                                       "registration is switched off."), status=400)


def course_for_launch(lti_launch: LtiLaunch) -> CoursePage | None:
    """The live course a launch names: its custom `course_id` (set by deep linking) or the
    `course` parameter of its target link."""
    course_id = lti_launch.get_custom_claim(COURSE_CLAIM)
    if not course_id:
        target = lti_launch.get_claim("https://purl.imsglobal.org/spec/lti/claim/target_link_uri")
        course_id = (parse_qs(urlsplit(target or "").query).get("course") or [None])[0]
    if not str(course_id or "").isdigit():
        return None
    return CoursePage.objects.live().filter(pk=int(course_id)).first()


@method_decorator(csrf_exempt, name="dispatch")
class LaunchView(LtiLaunchBaseView):
    """A resource launch logs the teacher in and opens the course; a deep-linking launch lets the
    platform's teacher pick which course to embed."""

    def post(self, request, *args, **kwargs):
        try:
            return super().post(request, *args, **kwargs)
        except Key.DoesNotExist:
            log.error("LTI launch without a tool key: run manage.py rotate_keys")
            return _refused(request, _("This site's LTI key has not been created yet. Please "
                                       "ask its administrators."), status=503)
        except LtiException as error:
            log.warning("LTI launch refused: %s", error)
            return _refused(request, _("This launch could not be verified (its signature, "
                                       "state or platform registration). Please start it "
                                       "again from your platform."))

    def handle_inactive_deployment(self, request, lti_launch):
        return _refused(request, _("This platform's deployment is not switched on here yet. "
                                   "Please ask city HR to switch it on."))

    def handle_resource_launch(self, request, lti_launch):
        course = course_for_launch(lti_launch)
        if course is None:
            return _refused(request, _("The course of this link is not published here."),
                            status=404)
        try:
            teacher = services.lti_launch_accept(
                registration=lti_launch.registration, sub=lti_launch.get_claim("sub"),
                employee_no=lti_launch.get_custom_claim(services.EMPLOYEE_NO_CLAIM),
                course=course, ags=lti_launch.ags_claim)
        except services.LaunchRefused as refusal:
            return _refused(request, str(refusal))
        login(request, teacher.user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect(course.url)

    def handle_deep_linking_launch(self, request, lti_launch):
        courses = CoursePage.objects.live().public().order_by("title")
        return _framed(render(request, "lti/deep_link_pick.html", {
            "courses": courses, "launch_id": lti_launch.get_launch_id(),
            "action": reverse("lti:deep_link")}), lti_launch)


def _framed(response, lti_launch, *, form_action: str = ""):
    """Platforms show deep linking in a frame of their own page, and the answer is a form posted
    to them: the response opens those two doors to this platform only."""
    registration = lti_launch.registration
    ancestors = [o for o in {_origin(registration.auth_url), _origin(registration.issuer)} if o]
    update = {"frame-ancestors": ancestors}
    if form_action:
        update["form-action"] = [form_action]
    response._csp_update = update
    response.xframe_options_exempt = True
    return response


@method_decorator((csrf_exempt, xframe_options_exempt), name="dispatch")
class DeepLinkView(View):
    """The picked course goes back to the platform as a signed deep-linking response. The launch
    id (an unguessable key of the verified launch) authenticates the form, not a cookie: the
    platform's frame may not send ours."""

    def post(self, request):
        launch_id = request.POST.get("launch_id", "")
        try:
            message_launch = DjangoMessageLaunch.from_cache(
                launch_id, request, DjangoToolConfig(),
                launch_data_storage=DjangoCacheDataStorage())
        except LtiException:
            return _refused(request, _("This course picking has expired. Please start it again "
                                       "from your platform."))
        lti_launch = LtiLaunch(message_launch)
        if not lti_launch.is_deep_link_launch:
            return HttpResponseBadRequest()
        course = CoursePage.objects.live().public().filter(
            pk=request.POST.get("course") if str(request.POST.get("course", "")).isdigit()
            else None).first()
        if course is None:
            return HttpResponseBadRequest(_("Please pick a course."))
        launch_url = request.build_absolute_uri(reverse("lti:launch"))
        resource = (DeepLinkResource()
                    .set_url(f"{launch_url}?{urlencode({'course': course.pk})}")
                    .set_title(course.title)
                    .set_custom_params({COURSE_CLAIM: str(course.pk),
                                        services.EMPLOYEE_NO_CLAIM: "$Person.sourcedId"})
                    .set_lineitem(LineItem().set_score_maximum(1).set_label(course.title)
                                  .set_resource_id(f"course-{course.pk}")))
        deep_link = message_launch.get_deep_link()
        return_url = message_launch.get_launch_data()[
            "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"][
            "deep_link_return_url"]
        return _framed(render(request, "lti/deep_link_return.html", {
            "return_url": return_url, "jwt": deep_link.get_response_jwt([resource]),
            "course": course}), lti_launch, form_action=_origin(return_url))


REGISTRATION_LINK_SALT = "lti.dynamic-registration"
REGISTRATION_LINK_MAX_AGE = 24 * 3600


def registration_link_make(*, user) -> str:
    """A signed link a platform's administrator pastes as the tool's registration URL."""
    token = signing.dumps({"by": user.pk}, salt=REGISTRATION_LINK_SALT)
    return reverse("lti:register", args=[token])


@method_decorator(xframe_options_exempt, name="dispatch")
class DynamicRegistrationView(View):
    """LTI Dynamic Registration: the platform opens this link (issued by city HR, valid a day,
    used once) with its openid_configuration and registration_token; the tool registers and
    tells the platform's window it is done."""

    def get(self, request, token):
        try:
            signing.loads(token, salt=REGISTRATION_LINK_SALT, max_age=REGISTRATION_LINK_MAX_AGE)
        except signing.BadSignature:
            return _refused(request, _("This registration link has expired or is not valid. "
                                       "Please ask city HR for a new one."))
        openid_configuration = request.GET.get("openid_configuration", "")
        refusal = services.insecure_url_refusal(openid_configuration)
        if refusal:
            return _refused(request, refusal, status=400)
        if not cache.add(f"lti-dynreg:{token}", True, REGISTRATION_LINK_MAX_AGE):
            return _refused(request, _("This registration link has already been used."))
        try:
            registration = services.lti_platform_register(
                openid_configuration=openid_configuration,
                registration_token=request.GET.get("registration_token", ""),
                base_url=request.build_absolute_uri("/").rstrip("/"),
                client_name=Site.find_for_request(request).site_name or request.get_host())
        except services.RegistrationFailed as error:
            cache.delete(f"lti-dynreg:{token}")
            return _refused(request, str(error), status=502)
        return render(request, "lti/registered.html", {"registration": registration})


@staff_required(purposes.LTI_PLATFORMS)
def registration_link(request):
    """Admin page: city HR issues a dynamic-registration link for a platform's administrator;
    the platforms registered and their endpoints for manual registration are shown beside."""
    link = None
    if request.method == "POST":
        link = request.build_absolute_uri(registration_link_make(user=request.user))
    base = request.build_absolute_uri("/").rstrip("/")
    return render(request, "lti/registration_link.html", {
        "title": _("Register a platform"), "link": link,
        "tool": {"login": f"{base}/lti/login/", "launch": f"{base}/lti/launch/",
                 "jwks": f"{base}/lti/jwks/"}})
