"""Service accounts and their keys, and the pushes of hours from outside platforms."""

import hashlib
import hmac
import json
import secrets
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models.categories import DEFAULT_CATEGORY
from people import purposes
from people.models import AuditEntry, Organisation
from people.roles import role_for_kind
from people.selectors import user_is_staff_in_scope
from people.services import audit_record, staff_role_grant

from .models import ApiKey, HoursPush, ServiceAccount

# The staff role a service account reads as, by the kind of its organisation: the highest role
# bound to that level (people.roles).
ROLE_FOR_KIND = {kind: role_for_kind(kind) for kind in Organisation.Kind.values
                 if role_for_kind(kind) is not None}
MAX_HOURS_PER_PUSH = 1000


def purposes_available(organisation: Organisation) -> list[purposes.Purpose]:
    """The purposes a service account over this organisation may be given."""
    role = ROLE_FOR_KIND.get(organisation.kind)
    return [p for p in purposes.PURPOSES.values() if role in p and p is not purposes.TWO_STEP
            and p is not purposes.STAFF_MENU]


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def service_account_create(*, name: str, organisation: Organisation, purpose_keys: list[str],
                           created_by=None, rate_per_minute: int = 600) -> ServiceAccount:
    """A service account over `organisation` for `purpose_keys`. A person creating it must be
    HR over that organisation (STAFF_ROLES); the shell (created_by=None) is the operator."""
    if created_by is not None and not user_is_staff_in_scope(created_by, organisation,
                                                             roles=purposes.STAFF_ROLES):
        raise PermissionDenied(_("You may create service accounts only within your own scope."))
    role = ROLE_FOR_KIND.get(organisation.kind)
    if role is None:
        raise ValidationError({"organisation": _("A service account belongs to a city, a district "
                                                 "or a school.")})
    available = {p.key for p in purposes_available(organisation)}
    unknown = [key for key in purpose_keys if key not in available]
    if unknown or not purpose_keys:
        raise ValidationError({"purposes": _("Not available for this organisation: %(keys)s")
                               % {"keys": ", ".join(unknown) or "—"}})
    if ServiceAccount.objects.filter(name=name).exists():
        raise ValidationError({"name": _("A service account with this name exists.")})
    user = get_user_model().objects.create(username=f"api-{secrets.token_hex(6)}",
                                           first_name=name[:150])
    user.set_unusable_password()
    user.save(update_fields=["password"])
    staff_role_grant(user=user, role=role, organisation=organisation)
    account = ServiceAccount.objects.create(
        name=name, organisation=organisation, purposes=sorted(set(purpose_keys)), user=user,
        created_by=created_by, rate_per_minute=rate_per_minute)
    if created_by is not None:
        audit_record(actor=created_by, action=AuditEntry.Action.STAFF_ROLE_GRANT,
                     organisation=organisation, target=f"api:{name}",
                     detail=", ".join(account.purposes))
    return account


def api_key_issue(*, account: ServiceAccount) -> str:
    """A new key for the account; the whole key is returned once and never kept."""
    prefix, secret = secrets.token_hex(4), secrets.token_urlsafe(32)
    ApiKey.objects.create(account=account, prefix=prefix, digest=_digest(secret))
    return f"{prefix}.{secret}"


def api_key_revoke(*, key: ApiKey) -> None:
    ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


def api_key_rotate(*, account: ServiceAccount) -> str:
    """Revoke every key of the account and issue a new one."""
    with transaction.atomic():
        account.keys.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        return api_key_issue(account=account)


def api_key_authenticate(raw: str) -> tuple[ServiceAccount, ApiKey] | None:
    """The active account and key a presented key belongs to, or None."""
    prefix, _dot, secret = raw.partition(".")
    if not prefix or not secret:
        return None
    key = (ApiKey.objects.select_related("account", "account__user", "account__organisation")
           .filter(prefix=prefix, revoked_at__isnull=True, account__is_active=True).first())
    if key is None or not hmac.compare_digest(key.digest, _digest(secret)):
        return None
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
    return key.account, key


def _payload_digest(entries: list[dict]) -> str:
    return hashlib.sha256(json.dumps(entries, sort_keys=True, default=str).encode()).hexdigest()


class PushConflict(Exception):
    """The idempotency key was used before for different entries."""


def hours_push(*, account: ServiceAccount, key: str, entries: list[dict],
               teachers: dict[str, object]) -> tuple[dict, bool]:
    """Credit validated `entries` (employee_no, hours, date, title, reference, category) all
    or none, once per idempotency key: a replay returns the first answer, and a key reused for
    other entries is refused. Returns (answer, created)."""
    from certification.models import TrainingEntry
    from certification.records import training_entries_append

    digest = _payload_digest(entries)
    earlier = HoursPush.objects.filter(account=account, key=key).first()
    if earlier is not None:
        if earlier.payload_digest != digest:
            raise PushConflict
        return earlier.response, False
    references = [f"api:{account.pk}:{e['reference']}" for e in entries]
    try:
        with transaction.atomic():
            known = set(TrainingEntry.objects.filter(source=TrainingEntry.Source.IMPORT,
                                                     reference__in=references)
                        .values_list("reference", flat=True))
            new = [TrainingEntry(
                teacher=teachers[e["employee_no"]], hours=Decimal(str(e["hours"])), date=e["date"],
                title=e["title"][:200], source=TrainingEntry.Source.IMPORT, reference=reference,
                recorded_by=account.user, category_id=e.get("category") or DEFAULT_CATEGORY)
                for e, reference in zip(entries, references, strict=True) if reference not in known]
            training_entries_append(new)
            answer = {"credited": len(new), "already_credited": len(entries) - len(new),
                      "hours": str(sum((e.hours for e in new), Decimal("0")))}
            HoursPush.objects.create(account=account, key=key, payload_digest=digest,
                                     response=answer)
    except IntegrityError:
        # The same key pushed at the same moment by a second request: answer as a replay.
        earlier = HoursPush.objects.get(account=account, key=key)
        if earlier.payload_digest != digest:
            raise PushConflict from None
        return earlier.response, False
    return answer, True



class UpsertRefused(Exception):
    """Rows the roster import refuses: {index: {field: [reasons]}} and how many errors in all."""

    def __init__(self, errors: dict, total: int):
        super().__init__(total)
        self.errors, self.total = errors, total


def teachers_upsert(*, user, rows: list[dict], mark_left: bool = False) -> dict:
    """Create or update teachers through the roster import itself (the same checks, the same
    all-or-nothing commit), from rows given under the roster's column keys."""
    import tempfile
    from pathlib import Path

    from openpyxl import Workbook

    from hr.imports.registry import IMPORTERS
    from hr.imports.rows import ImportHasErrors
    from hr.sheets.columns import TEACHERS

    keys = [k for k in (*TEACHERS.required, *TEACHERS.optional) if any(k in row for row in rows)]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(keys)
    for row in rows:
        sheet.append([_cell(sheet, row.get(key)) for key in keys])
    importer = IMPORTERS["teachers"]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "teachers.xlsx"
        workbook.save(path)
        plan = importer.plan(path=path, user=user, mark_left=mark_left)
        if plan.errors:
            raise UpsertRefused(_row_errors(plan, keys), plan.errors.total)
        try:
            result = importer.commit(path=path, user=user, plan=plan, mark_left=mark_left)
        except ImportHasErrors as refused:
            raise UpsertRefused(_row_errors(refused.args[0], keys), refused.args[0].errors.total) \
                from None
    return {"rows": result.get("rows", len(rows)), "created": result.get("created", 0),
            "updated": result.get("updated", 0)}


def _cell(sheet, value):
    """A JSON value as a sheet cell: numbers and booleans as they are, lists joined, and text
    always text (a value starting with "=" is never made a formula)."""
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, list):
        value = "、".join(str(v) for v in value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


def _row_errors(plan, keys: list[str]) -> dict:
    errors: dict[str, dict[str, list[str]]] = {}
    for error in plan.errors:
        index = str(error.row - plan.header_row - 1)
        column = next((k for k in keys if error.column.startswith(k)), error.column)
        errors.setdefault(index, {}).setdefault(column, []).append(error.reason)
    return errors
