"""Organisations (a treebeard tree), teachers, and staff roles bound to a subtree."""

import functools
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Lookup
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from treebeard.mp_tree import MP_Node

from .text import fold


class FlagSetField(models.PositiveIntegerField):
    """A set drawn from a fixed list of choices, stored as one integer of bits.

    One column, no join: "holds any of these posts" is `posts__hasany=mask` on 100,000 rows.
    Bit i is the i-th value of the choices class (see `flags_mask`); never reorder those values.
    """


@FlagSetField.register_lookup
class HasAny(Lookup):
    """`field__hasany=mask`: the set shares at least one member with the mask."""

    lookup_name = "hasany"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"({lhs} & {rhs}) <> 0", [*lhs_params, *rhs_params]


@functools.cache
def _flag_bits(choices) -> dict[str, int]:
    # A choices class's values are fixed at import: their bits are looked up once, not per row.
    return {code: 1 << i for i, code in enumerate(choices.values)}


def flags_mask(choices, codes) -> int:
    """The integer of a set of codes of a TextChoices class (unknown codes raise ValueError)."""
    bits = _flag_bits(choices)
    mask = 0
    for code in codes:
        if code not in bits:
            raise ValueError(f"{code!r} is not a value of {choices.__name__}")
        mask |= bits[code]
    return mask


def flags_codes(choices, mask: int) -> list[str]:
    """The codes of a set, in the choices' own order (the bits looked up once: an enum's
    `.values` costs microseconds a call, which a city's rows multiply)."""
    return [code for code, bit in _flag_bits(choices).items() if mask & bit]


class Stage(models.TextChoices):
    """A school's stages (学段); a school may have several. Order fixed: bits of FlagSetField."""

    # In context: allauth's "Primary" (e-mail address) shares the msgid.
    PRIMARY = "primary", pgettext_lazy("school stage", "Primary")
    JUNIOR = "junior", _("Junior secondary")
    SENIOR = "senior", _("Senior secondary")
    NINE_YEAR = "nine_year", _("Nine-year school")
    COMPLETE = "complete", _("Complete secondary")
    VOCATIONAL = "vocational", _("Vocational")
    SPECIAL = "special", _("Special education")
    KINDERGARTEN = "kindergarten", _("Kindergarten")


SECONDARY_STAGES = (Stage.JUNIOR, Stage.SENIOR, Stage.COMPLETE, Stage.NINE_YEAR)
# The stages a school type is made of. 九年一贯制 and 完全中学 were once stored as stages of their
# own (those bits stay readable); a school's stages are now always these.
TEACHING_STAGES = (Stage.PRIMARY, Stage.JUNIOR, Stage.SENIOR, Stage.VOCATIONAL, Stage.SPECIAL,
                   Stage.KINDERGARTEN)


class SchoolType(models.Model):
    """A kind of school as bureaus name it (九年一贯制, 完全中学, …) and the stages it has: data,
    so a bureau may add its own (十二年一贯制 = 小学+初中+高中)."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=40, unique=True)
    stages = FlagSetField(_("stages"), default=0)

    class Meta:
        verbose_name = _("school type")
        verbose_name_plural = _("school types")
        ordering = ["pk"]

    def __str__(self):
        return self.name


class Organisation(MP_Node):
    """A node of the province → city → district → township → school tree. Every staff
    permission is a subtree."""

    class Kind(models.TextChoices):
        PROVINCE = "province", _("Province")
        CITY = "city", _("City")
        DISTRICT = "district", _("District")
        TOWNSHIP = "township", _("Township / school district")
        SCHOOL = "school", _("School")

    code = models.CharField(_("code"), max_length=32, unique=True)
    # The code folded (people.text.fold: width and case), unique too: `sf-xy-01-001` cannot
    # stand beside `SF-XY-01-001`. Set on every save.
    code_key = models.CharField(max_length=64, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    stages = FlagSetField(_("stages"), default=0, blank=True)
    is_boarding = models.BooleanField(
        _("boarding school"), default=False,
        help_text=_("Boarding schools keep the counselling room open longer each day."),
    )


    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        taken = (Organisation.objects.filter(code_key=fold(self.code)).exclude(pk=self.pk)
                 .values_list("code", "name").first())
        if self.code and taken:
            raise ValidationError({"code": _(
                "This code is already used by %(name)s (%(code)s): codes differing only in "
                "upper and lower case or full and half width are the same code.") % {
                    "name": taken[1], "code": taken[0]}})

    def save(self, *args, **kwargs):
        self.code_key = fold(self.code)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "code" in update_fields:
            kwargs["update_fields"] = {*update_fields, "code_key"}
        super().save(*args, **kwargs)

    @property
    def stage_list(self) -> list[str]:
        return flags_codes(Stage, self.stages)


class StudentCount(models.Model):
    """A school's number of students on a date; the latest on or before a day is that day's."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE,
                                     related_name="student_counts", verbose_name=_("organisation"))
    on = models.DateField(_("counted on"))
    count = models.PositiveIntegerField(_("students"))

    class Meta:
        verbose_name = _("student count")
        verbose_name_plural = _("student counts")
        ordering = ["organisation", "-on"]
        constraints = [models.UniqueConstraint(fields=["organisation", "on"],
                                               name="studentcount_one_per_day")]

    def __str__(self):
        return f"{self.organisation} {self.on:%Y-%m-%d}: {self.count}"


class StaffingRule(models.Model):
    """How many counsellors (full-time, or full- or part-time) a school needs, for a subtree.

    The rules of the nearest organisation above a school (itself included) that has any apply;
    where none has, `people.staffing.DEFAULT_RULES` do. A school must meet every rule that applies.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE,
                                     related_name="staffing_rules", verbose_name=_("organisation"))
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices, blank=True,
                             help_text=_("Empty: schools of any stage but kindergarten (a rule "
                                         "for kindergartens names them)."))
    min_students = models.PositiveIntegerField(_("minimum students"), default=0)
    full_time_required = models.PositiveSmallIntegerField(_("counsellors required"), default=1)
    per_stage = models.BooleanField(
        _("per stage"), default=False,
        help_text=_("Require this many for each stage the school has (e.g. one per stage)."))

    class Counts(models.TextChoices):
        FULL_TIME = "full_time", _("Full-time counsellors only")
        ANY = "any", _("Full- or part-time counsellors")

    counts = models.CharField(_("counts"), max_length=16, choices=Counts.choices,
                              default=Counts.FULL_TIME)

    class Meta:
        verbose_name = _("staffing rule")
        verbose_name_plural = _("staffing rules")
        ordering = ["organisation__path", "stage", "min_students"]

    def __str__(self):
        return f"{self.organisation} · {self.get_stage_display() or '*'} ≥{self.min_students}: {self.full_time_required}"


class Teacher(models.Model):
    """A teacher's profile on a Django user. Kept to the personal data the platform needs."""

    class Gender(models.TextChoices):
        FEMALE = "F", _("Female")
        MALE = "M", _("Male")

    class Role(models.TextChoices):
        SUBJECT_TEACHER = "subject_teacher", _("Subject teacher")
        HEAD_TEACHER = "head_teacher", _("Head teacher")
        FULL_TIME_COUNSELLOR = "full_time_counsellor", _("Full-time counsellor")
        PART_TIME_COUNSELLOR = "part_time_counsellor", _("Part-time counsellor")
        SCHOOL_LEADER = "school_leader", _("School leader")

    class Status(models.TextChoices):
        ACTIVE = "active", _("In post")
        LEFT = "left", _("Left")
        TRANSFERRED = "transferred", _("Transferred out")
        RETIRED = "retired", _("Retired")

    COUNSELLOR_ROLES = (Role.FULL_TIME_COUNSELLOR, Role.PART_TIME_COUNSELLOR)
    # The name an erased profile carries (hr.privacy): "已删除" and a random token.
    ERASED_PREFIX = "已删除"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="teacher",
        verbose_name=_("user"),
    )
    employee_no = models.CharField(_("employee number"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=60)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, blank=True)
    school = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="teachers",
        limit_choices_to={"kind": Organisation.Kind.SCHOOL}, verbose_name=_("school"),
    )
    # The primary post (the first the roster lists); `posts` holds every post, this one included.
    role = models.CharField(_("primary post"), max_length=32, choices=Role.choices,
                            default=Role.SUBJECT_TEACHER)
    posts = FlagSetField(_("posts"), default=0)
    # 入职日期: joined this school. 参加工作日期 (first year in the profession) decides "new teacher"
    # where it is known.
    hire_date = models.DateField(_("hire date"), null=True, blank=True)
    first_work_date = models.DateField(_("first work date"), null=True, blank=True)
    # `is_active` is what every denominator reads; `status` says why a teacher is not.
    is_active = models.BooleanField(pgettext_lazy("employment", "active"), default=True)
    status = models.CharField(_("employment status"), max_length=16, choices=Status.choices,
                              default=Status.ACTIVE)

    class Meta:
        verbose_name = _("teacher")
        verbose_name_plural = _("teachers")
        ordering = ["employee_no"]
        indexes = [models.Index(fields=["school", "is_active", "posts"])]

    def __str__(self):
        return f"{self.name} ({self.employee_no})"

    def save(self, *args, **kwargs):
        # Invariant: the primary post is one of the posts.
        self.posts |= flags_mask(self.Role, [self.role])
        super().save(*args, **kwargs)
        fields = kwargs.get("update_fields")
        if getattr(self, "_employment_written", False):
            return  # a dated change: people.employment wrote the history itself
        if fields is None or {"school", "school_id", "posts", "role", "is_active", "status"} & set(fields):
            from .employment import employment_follow  # employment reads these models

            employment_follow(self)

    @property
    def post_list(self) -> list[str]:
        return flags_codes(self.Role, self.posts | flags_mask(self.Role, [self.role]))

    def get_posts_display(self) -> str:
        labels = dict(self.Role.choices)
        return "、".join(str(labels[code]) for code in self.post_list)

    get_posts_display.short_description = _("posts")

    @property
    def is_counsellor(self) -> bool:
        return bool(set(self.post_list) & set(self.COUNSELLOR_ROLES))

    @property
    def is_erased(self) -> bool:
        """Whether this profile's personal data was erased on request."""
        return self.name.startswith(self.ERASED_PREFIX)


class Employment(models.Model):
    """One period of a teacher's employment: a school, posts and a status from `start` until the
    day before `end` (open while `end` is empty). A teacher's periods never overlap; the
    teacher's own school, posts and status are those of the latest period.
    `people.employment` writes them and answers who was in post where on a day."""

    teacher = models.ForeignKey(Teacher, on_delete=models.CASCADE, related_name="employments",
                                verbose_name=_("teacher"))
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="employments",
                                     verbose_name=_("school"))
    posts = FlagSetField(_("posts"), default=0)
    start = models.DateField(_("from"))
    # The first day no longer in this period (the leaving or transfer date); empty: still open.
    end = models.DateField(_("until"), null=True, blank=True)
    # Why the period ended (left, transferred, retired); empty while open or for a post change.
    end_status = models.CharField(_("ended as"), max_length=16, choices=Teacher.Status.choices,
                                  blank=True)

    class Meta:
        verbose_name = _("employment period")
        verbose_name_plural = _("employment history")
        ordering = ["teacher", "start"]
        indexes = [models.Index(fields=["organisation", "start", "end"]),
                   models.Index(fields=["teacher", "start", "end"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(end__isnull=True) | models.Q(end__gt=models.F("start")),
                                   name="employment_ends_after_start"),
            models.UniqueConstraint(fields=["teacher"], condition=models.Q(end__isnull=True),
                                    name="employment_one_open_period"),
        ]

    def __str__(self):
        return f"{self.teacher_id} {self.organisation_id} {self.start}–{self.end or ''}"


class StaffRole(models.Model):
    """A staff role held over one organisation's subtree."""

    class Role(models.TextChoices):
        TRAINER = "trainer", _("Trainer")
        REVIEWER = "reviewer", _("Content reviewer")
        SCHOOL_ADMIN = "school_admin", _("School admin")
        DISTRICT_HR = "district_hr", _("District HR")
        CITY_HR = "city_hr", _("City HR")
        PROVINCE_HR = "province_hr", _("Province HR")

    # Each role's group, admin permissions, organisation level and rank: people/roles.py.

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="staff_roles", verbose_name=_("user"))
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE,
                                     related_name="staff_roles", verbose_name=_("organisation"))

    class Meta:
        verbose_name = _("staff role")
        verbose_name_plural = _("staff roles")
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "organisation"],
                                    name="staffrole_unique_binding"),
        ]

    def __str__(self):
        return f"{self.get_role_display()} · {self.organisation}"


class AuditEntry(models.Model):
    """One staff action on people, certificates, imports, exports or workload: who, when, what.

    Append-only. It names the organisation the action concerns (a teacher's school, an
    export's scope) so HR read only the entries inside their subtree, and it keeps personal
    data to a minimum: an employee number or certificate number, never a name or an ID number.
    """

    class Action(models.TextChoices):
        TEACHER_CHANGE = "teacher.change", _("Teacher record changed")
        IMPORT = "import", _("Sheet imported")
        EXPORT = "export", _("Sheet exported")
        CERTIFICATE_ISSUE = "certificate.issue", _("Certificate issued")
        CERTIFICATE_REVOKE = "certificate.revoke", _("Certificate revoked")
        APPLICATION_REJECT = "application.reject", _("Application rejected")
        HOURS_CORRECT = "hours.correct", _("Hours corrected")
        WORKLOAD_APPROVE = "workload.approve", _("Workload approved")
        WORKLOAD_RETURN = "workload.return", _("Workload returned")
        DATA_EXPORT = "personal_data.export", _("Personal data exported")
        DATA_ERASE = "personal_data.erase", _("Personal data erased")
        TEXT_ERASE = "free_text.erase", _("Free text erased")
        ORGANISATION_CHANGE = "organisation.change", _("Organisation changed")
        STAFF_ROLE_GRANT = "staff_role.grant", _("Staff role granted")
        STAFF_ROLE_REVOKE = "staff_role.revoke", _("Staff role revoked")
        ACTIVATION_ISSUE = "activation.issue", _("Activation codes issued")
        ACTIVATION_USE = "activation.use", _("Account activated")
        EVENT_ATTENDANCE = "event.attendance", _("Event attendance marked")
        EVENT_CLOSE = "event.close", _("Event closed")
        DECLARATION_CHECK = "declaration.check", _("Declared hours checked by the school")
        DECLARATION_APPROVE = "declaration.approve", _("Declared hours approved")
        DECLARATION_RETURN = "declaration.return", _("Declared hours returned")
        POLICY_CONFIRM = "policy.confirm", _("Example policy confirmed")
        EMPLOYMENT_CHANGE = "employment.change", _("Employment history changed")
        CERTIFICATE_RESTORE = "certificate.restore", _("Imported certificate's dates restored")
        REPORT_SUBMIT = "report.submit", _("Report submitted")
        STUDENT_COUNT_CHANGE = "student_count.change", _("Student count changed")
        RULE_CHANGE = "rule.change", _("Rule changed")
        REPORT_ROUND_OPEN = "report.round_open", _("Reporting round opened")
        REPORT_RETURN = "report.return", _("Report returned")
        REPORT_APPROVE = "report.approve", _("Report approved")
        REPORT_REMIND = "report.remind", _("Report reminder sent")

    # Set when the row is built (not on save), so the service can seal it before inserting.
    at = models.DateTimeField(_("when"), default=timezone.now, editable=False, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                              related_name="+", verbose_name=_("by"))
    actor_name = models.CharField(_("by"), max_length=150)
    # Validated in code (people.audit.audit_record refuses a code not in Action), not as column
    # choices: a new action is a line in Action and its translation, never a migration.
    action = models.CharField(_("action"), max_length=32)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("organisation"))
    target = models.CharField(_("record"), max_length=120, blank=True)
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    # The hash chain of the organisation's entries (people.chain): position, link, seal.
    chain_seq = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    prev_digest = models.CharField(max_length=64, blank=True, editable=False)
    digest = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        indexes = [models.Index(fields=["organisation", "-at"])]

    def get_action_display(self) -> str:
        """The action's label from the registry (AuditEntry.Action); an unknown code as it is."""
        return self.Action(self.action).label if self.action in self.Action.values else self.action

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.target}"

    def target_display(self) -> str:
        """The record as people read it: an import's or export's sheet by its name, not its key."""
        if self.action in (self.Action.IMPORT, self.Action.EXPORT):
            return str(AUDIT_SHEET_LABELS.get(self.target, self.target))
        return self.target

    def detail_display(self) -> str:
        """The detail in the reader's language where it is made of figures (codes issued)."""
        if self.action == self.Action.ACTIVATION_ISSUE:
            found = _ACTIVATION_DETAIL.search(self.detail)
            if found:
                return _("%(count)s activation codes, valid until %(day)s") % {
                    "count": found["count"] or found["count_"], "day": found["day"]}
        return self.detail


# Sheet keys (an import's or export's `target`) and their names, registered by the app that owns
# the sheets (hr) when it is ready: people reads them without depending on it.
AUDIT_SHEET_LABELS: dict[str, str] = {}

# "codes=12 valid_until=2026-01-31", and the bilingual text entries were written in before.
_ACTIVATION_DETAIL = re.compile(
    r"(?:codes=(?P<count>\d+) valid_until=|(?P<count_>\d+) 个激活码 codes, 有效期至 valid until )"
    r"(?P<day>\d{4}-\d{2}-\d{2})")


class ChainHead(models.Model):
    """The last link of one hash chain (a teacher's ledger, an organisation's audit log …).

    Writers lock this row to append, so chains advance independently of one another.
    """

    key = models.CharField(max_length=64, unique=True)
    seq = models.PositiveBigIntegerField(default=0)
    digest = models.CharField(max_length=64, blank=True)

    def __str__(self):
        return f"{self.key} #{self.seq}"


class Notice(models.Model):
    """A message to one user in the site (the bell): every reminder and decision lands here,
    whatever other channel (e-mail, text message) also carries it."""

    class Kind(models.TextChoices):
        ASSIGNMENT_NEW = "assignment.new", _("Training assigned")
        ASSIGNMENT_OVERDUE = "assignment.overdue", _("Training overdue")
        APPLICATION_DECIDED = "application.decided", _("Application decided")
        WORKLOAD_RETURNED = "workload.returned", _("Workload returned")
        CERTIFICATE_EXPIRING = "certificate.expiring", _("Certificate expiring")
        PACE_BEHIND = "pace.behind", _("Behind on training hours")
        DECLARATION_WAITING = "declaration.waiting", _("Declared hours to review")
        REPORT_DUE = "report.due", _("Report due")
        REPORT_RETURNED = "report.returned", _("Report returned")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="notices", verbose_name=_("user"))
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    # The task a notice asks for ("course:12"): doing it closes the notice (done_at).
    topic = models.CharField(_("task"), max_length=64, blank=True, default="")
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        indexes = [models.Index(fields=["user", "read_at"]), models.Index(fields=["user", "topic"])]

    def __str__(self) -> str:
        return self.title


class ActivationCode(models.Model):
    """A single-use code printed on a slip, with which a teacher sets their first password.

    Only a keyed hash of the code is kept; the code itself exists on the slip alone."""

    teacher = models.ForeignKey(Teacher, on_delete=models.CASCADE, related_name="activation_codes",
                                verbose_name=_("teacher"))
    code_hash = models.CharField(_("code (hashed)"), max_length=128)
    issued_at = models.DateTimeField(_("issued"), auto_now_add=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                  related_name="+", verbose_name=_("issued by"))
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    voided_at = models.DateTimeField(_("voided"), null=True, blank=True)

    class Meta:
        ordering = ["-issued_at", "-pk"]
        verbose_name = _("activation code")
        verbose_name_plural = _("activation codes")
        indexes = [models.Index(fields=["teacher", "used_at", "voided_at"])]

    def __str__(self) -> str:
        return f"{self.teacher.employee_no} · {self.issued_at:%Y-%m-%d}"


class LoginPhone(models.Model):
    """A mobile number a user may log in with (by text-message code). Kept for log-in only:
    never shown to other users, never exported except to its owner and HR's personal-data
    download."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="login_phone", verbose_name=_("user"))
    number = models.CharField(_("mobile number"), max_length=20, unique=True,
                              help_text=_("E.164, e.g. +8613800138000."))
    verified = models.BooleanField(_("verified"), default=False)

    class Meta:
        verbose_name = _("log-in phone")
        verbose_name_plural = _("log-in phones")

    def __str__(self) -> str:
        return self.number
