"""API v1: teachers, hours, certificates and figures, each scoped as a staff user with the
service account's purposes would be (people.selectors.organisation_scope), and each call kept."""

from datetime import date
from decimal import Decimal

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, generics, pagination, status
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from certification.models import Certificate, TrainingEntry
from certification.selectors.cycle import cycle_status
from hr.exports import EXPORTS
from people import purposes
from people.models import Organisation
from people.selectors import organisation_scope, teacher_list_in_scope

from . import serializers as s
from .auth import AccountRate, ApiKeyAuthentication, PurposeGranted
from .models import ApiCall
from .services import PushConflict, UpsertRefused, hours_push, teachers_upsert
from .webhooks import EVENT_PURPOSE, events_allowed, subscription_create

# The sheets the figures endpoint serves: the HR desk's exports of the same name.
FIGURE_SHEETS = ("holding", "staffing", "hours", "assignments", "parent_reach")

ORG = OpenApiParameter("org", str, description=_lazy("Organisation code: only this subtree (within scope)."))
ON = OpenApiParameter("on", OpenApiTypes.DATE, description=_lazy("The day the figures are for (default today)."))
SINCE = OpenApiParameter("changed_since", OpenApiTypes.DATETIME,
                         description=_lazy("Only records written at or after this time."))


class Cursor(pagination.CursorPagination):
    ordering = "pk"
    page_size = 200
    page_size_query_param = "page_size"
    max_page_size = 1000


class ApiView(APIView):
    """Bearer keys only, the view's purpose, the account's rate; every call logged."""

    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [PurposeGranted]
    throttle_classes = [AccountRate]
    renderer_classes = [JSONRenderer]
    parser_classes = [JSONParser]
    purpose: purposes.Purpose

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        account = request.auth if hasattr(request, "_auth") else None
        key = getattr(request._request, "api_key", None)
        ApiCall.objects.create(account=account if account is not None else None,
                               key_prefix=key.prefix if key else "", method=request.method,
                               path=request.get_full_path()[:255], status=response.status_code)
        return response

    def scope(self) -> QuerySet[Organisation]:
        return organisation_scope(self.request.user, roles=self.purpose)

    def organisation(self) -> Organisation | None:
        """The `org` asked for, which must lie in the scope (else 404, as for any object)."""
        code = self.request.query_params.get("org")
        if not code:
            return None
        return get_object_or_404(self.scope(), code=code)

    def day(self, name: str = "on") -> date:
        raw = self.request.query_params.get(name)
        if not raw:
            return timezone.localdate()
        try:
            return date.fromisoformat(raw)
        except ValueError:
            raise exceptions.ValidationError({name: [_("Enter a date as YYYY-MM-DD.")]}) from None

    def since(self):
        raw = self.request.query_params.get("changed_since")
        if not raw:
            return None
        from django.utils.dateparse import parse_datetime

        moment = parse_datetime(raw)
        if moment is None:
            raise exceptions.ValidationError(
                {"changed_since": [_("Enter a date and time as ISO 8601.")]})
        return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


class ListView(ApiView, generics.ListAPIView):
    pagination_class = Cursor


@extend_schema(parameters=[ORG], summary=_lazy("Teachers in scope"))
class TeacherList(ListView):
    serializer_class = s.TeacherOut

    @property
    def purpose(self):
        return purposes.HR_IMPORT if self.request.method == "POST" else purposes.HR_DESK

    @extend_schema(request=s.TeacherUpsertIn, responses={200: s.TeacherUpsertOut},
                   summary=_lazy("Create or update teachers as the roster import does, all or none"))
    def post(self, request):
        incoming = s.TeacherUpsertIn(data=request.data)
        incoming.is_valid(raise_exception=True)
        try:
            result = teachers_upsert(user=request.user, rows=incoming.validated_data["teachers"],
                                     mark_left=incoming.validated_data["mark_left"])
        except UpsertRefused as refused:
            return Response({"teachers": refused.errors, "error_count": refused.total},
                            status=status.HTTP_400_BAD_REQUEST)
        return Response(result)

    def get_queryset(self):
        teachers = teacher_list_in_scope(self.request.user, roles=self.purpose)
        org = self.organisation()
        if org is not None:
            teachers = teachers.filter(school__path__startswith=org.path)
        return teachers.select_related("school")


@extend_schema(parameters=[ORG, ON], summary=_lazy("Certificates in scope, with their status on a day"))
class CertificateList(ListView):
    purpose = purposes.CERTIFICATE_ROSTER
    serializer_class = s.CertificateOut

    def get_queryset(self):
        certificates = Certificate.objects.filter(teacher__school__in=self.scope())
        org = self.organisation()
        if org is not None:
            certificates = certificates.filter(teacher__school__path__startswith=org.path)
        return certificates.select_related("level", "teacher").with_status_on(self.day())


@extend_schema(parameters=[ORG, SINCE, OpenApiParameter("employee_no", str)],
               summary=_lazy("Ledger entries (training hours) in scope"))
class LedgerList(ListView):
    purpose = purposes.HR_DESK
    serializer_class = s.LedgerEntryOut

    def get_queryset(self):
        entries = TrainingEntry.objects.filter(teacher__school__in=self.scope())
        org = self.organisation()
        if org is not None:
            entries = entries.filter(teacher__school__path__startswith=org.path)
        if employee_no := self.request.query_params.get("employee_no"):
            entries = entries.filter(teacher__employee_no=employee_no)
        if (since := self.since()) is not None:
            entries = entries.filter(created_at__gte=since)
        return entries.select_related("teacher")


@extend_schema(parameters=[ON], responses=s.CycleStatusOut, summary=_lazy("A teacher's hours cycle on a day"))
class CycleStatusView(ApiView):
    purpose = purposes.HR_DESK

    def get(self, request, employee_no: str):
        teacher = get_object_or_404(teacher_list_in_scope(request.user, roles=self.purpose),
                                    employee_no=employee_no)
        return Response(s.CycleStatusOut(cycle_status(teacher, on=self.day())).data)


class HoursPush(ApiView):
    purpose = purposes.HR_IMPORT

    @extend_schema(
        request=s.HoursPushIn, responses={201: s.HoursPushOut, 200: s.HoursPushOut},
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=True,
                                     description=_lazy("The same key with the same entries is a "
                                                       "replay and credits nothing again."))],
        summary=_lazy("Push hours from an outside platform, all or none"))
    def post(self, request):
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key or len(key) > 128:
            raise exceptions.ValidationError(
                {"Idempotency-Key": [_("Send an Idempotency-Key header (up to 128 characters).")]})
        incoming = s.HoursPushIn(data=request.data)
        incoming.is_valid(raise_exception=True)
        entries = incoming.validated_data["entries"]
        wanted = {e["employee_no"] for e in entries}
        teachers = {t.employee_no: t for t in teacher_list_in_scope(request.user, roles=self.purpose)
                    .filter(employee_no__in=wanted)}
        missing = {str(i): {"employee_no": [_("No teacher with this employee number in scope.")]}
                   for i, e in enumerate(entries) if e["employee_no"] not in teachers}
        if missing:
            raise exceptions.ValidationError({"entries": missing})
        try:
            answer, created = hours_push(account=request.auth, key=key, entries=entries,
                                         teachers=teachers)
        except PushConflict:
            return Response({"Idempotency-Key": [_("This key was used for other entries.")]},
                            status=status.HTTP_409_CONFLICT)
        return Response({**answer, "replayed": not created},
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


def _cell(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


@extend_schema(parameters=[ORG, ON], responses=s.FiguresOut,
               summary=_lazy("A figures sheet (holding, staffing, hours, assignments, parent "
                             "reach) as the HR desk exports it"))
class FiguresView(ApiView):
    purpose = purposes.HR_DESK

    def get(self, request, sheet: str):
        if sheet not in FIGURE_SHEETS:
            raise exceptions.NotFound(_("Unknown sheet."))
        kind = EXPORTS[sheet]
        org = self.organisation()
        on = self.day()
        _total, rows = kind.rows(user=request.user, organisation=org, on=on)
        return Response({
            "sheet": sheet, "organisation": org.code if org else "", "on": on.isoformat(),
            "columns": [str(c.title) for c in kind.get_columns()],
            "rows": [[_cell(v) for v in row] for row in rows],
        })


class WebhookList(ApiView):
    """The account's own webhook subscriptions: list and create."""

    purposes_any = tuple({p.key: p for p in EVENT_PURPOSE.values()}.values())

    @extend_schema(responses=s.WebhookOut(many=True), summary=_lazy("The account's webhooks"))
    def get(self, request):
        return Response(s.WebhookOut(request.auth.webhooks.order_by("pk"), many=True).data)

    @extend_schema(request=s.WebhookIn, responses={201: s.WebhookCreatedOut},
                   summary=_lazy("Subscribe an address to events in scope"))
    def post(self, request):
        incoming = s.WebhookIn(data=request.data, context={"allowed": events_allowed(request.auth)})
        incoming.is_valid(raise_exception=True)
        subscription, secret = subscription_create(account=request.auth, **incoming.validated_data)
        return Response({**s.WebhookOut(subscription).data, "secret": secret},
                        status=status.HTTP_201_CREATED)


class WebhookDetail(ApiView):
    purposes_any = WebhookList.purposes_any

    @extend_schema(responses={204: None}, summary=_lazy("Remove a webhook"))
    def delete(self, request, pk: int):
        get_object_or_404(request.auth.webhooks, pk=pk).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)
