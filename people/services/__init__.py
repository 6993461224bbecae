"""Writes about people, by subject (as Zulip splits its actions): `organisations`, `teachers`,
`staff_roles`, `accounts` (e-mails, log-in phones), `notices`, `activation`. The audit log
(`people.audit`) and employment's own writes (`people.employment`: leaving, log-ins following
the teacher) sit below them; they are re-exported here with the rest, so a caller names
`people.services.<service>` whichever module holds it."""

from ..audit import audit_record
from ..employment import teacher_logins_sync, teachers_mark_left
from .accounts import login_phone_set, login_phones_write, user_emails_set
from .activation import (
    ACTIVATION_ALPHABET,
    ACTIVATION_LENGTH,
    ActivationRefused,
    activation_code_display,
    activation_code_hash,
    activation_code_normalise,
    activation_codes_issue,
    activation_codes_void,
    activation_rate_key,
    activation_redeem,
    activation_teacher,
)
from .notices import (
    notice_channels,
    notice_open,
    notice_send,
    notices_close,
    notices_read_all,
    notices_send_many,
)
from .organisations import (
    OrganisationWriteRefused,
    organisation_create,
    organisation_update,
    organisations_bulk_add,
    organisations_remove,
    student_count_record,
)
from .staff_roles import StaffRoleRefused, staff_role_grant, staff_role_revoke
from .teachers import (
    EMPLOYMENT_FIELDS,
    TEACHER_IMPORT_FIELDS,
    teacher_anonymise,
    teacher_bulk_write,
    teacher_create,
    teacher_update,
)

__all__ = [
    "ACTIVATION_ALPHABET", "ACTIVATION_LENGTH", "EMPLOYMENT_FIELDS", "TEACHER_IMPORT_FIELDS",
    "ActivationRefused", "OrganisationWriteRefused", "StaffRoleRefused",
    "activation_code_display", "activation_code_hash", "activation_code_normalise", "activation_codes_issue",
    "activation_codes_void", "activation_rate_key", "activation_redeem", "activation_teacher",
    "audit_record", "login_phone_set", "login_phones_write", "notice_channels", "notice_open", "notice_send",
    "notices_close", "notices_read_all", "notices_send_many", "organisation_create", "organisation_update",
    "organisations_bulk_add", "organisations_remove", "staff_role_grant", "staff_role_revoke",
    "student_count_record", "teacher_anonymise", "teacher_bulk_write", "teacher_create", "teacher_logins_sync",
    "teacher_update", "teachers_mark_left", "user_emails_set",
]
