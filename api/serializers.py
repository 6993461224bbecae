"""What the API reads and writes. Every input serializer refuses fields it does not know."""

from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from courses.models import HourCategory


class Strict(serializers.Serializer):
    """A field the API does not know is an error, never silently dropped."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {name: [_("Unknown field.")] for name in unknown})
        return super().to_internal_value(data)


class TeacherOut(serializers.Serializer):
    employee_no = serializers.CharField()
    name = serializers.CharField()
    gender = serializers.CharField()
    school_code = serializers.CharField(source="school.code")
    school_name = serializers.CharField(source="school.name")
    role = serializers.CharField(help_text=_("The primary post."))
    posts = serializers.ListField(child=serializers.CharField(), source="post_list")
    status = serializers.CharField()
    hire_date = serializers.DateField(allow_null=True)


class CertificateOut(serializers.Serializer):
    number = serializers.CharField()
    level = serializers.CharField(source="level.code")
    employee_no = serializers.CharField(source="teacher.employee_no")
    name = serializers.CharField(source="teacher.name")
    issued_on = serializers.DateField()
    expires_on = serializers.DateField(allow_null=True)
    status = serializers.CharField(help_text=_("Today's status."))
    status_on = serializers.CharField(source="status_then", help_text=_(
        "The status on the date asked (`on`): active, expired, revoked, superseded, or empty "
        "before issue."))
    source = serializers.CharField()
    authority = serializers.CharField()


class LedgerEntryOut(serializers.Serializer):
    id = serializers.IntegerField()
    employee_no = serializers.CharField(source="teacher.employee_no")
    date = serializers.DateField()
    hours = serializers.DecimalField(max_digits=7, decimal_places=2)
    title = serializers.CharField()
    source = serializers.CharField()
    category = serializers.CharField(source="category_id")
    reference = serializers.CharField()
    created_at = serializers.DateTimeField()


class HoursEntryIn(Strict):
    employee_no = serializers.CharField(max_length=32)
    hours = serializers.DecimalField(max_digits=7, decimal_places=2, min_value=Decimal("0.01"))
    date = serializers.DateField()
    title = serializers.CharField(max_length=200)
    reference = serializers.CharField(max_length=96, help_text=_(
        "The platform's own id of this record: a second push of the same reference credits "
        "nothing."))
    category = serializers.CharField(required=False, allow_blank=True, max_length=32)

    def validate_date(self, value):
        if value > timezone.localdate():
            raise serializers.ValidationError(_("Hours cannot be credited for a future date."))
        return value

    def validate_category(self, value):
        if value and not HourCategory.objects.filter(code=value).exists():
            raise serializers.ValidationError(_("Unknown hour category."))
        return value


class HoursPushIn(Strict):
    entries = HoursEntryIn(many=True, allow_empty=False, max_length=1000)

    def validate_entries(self, value):
        # One record, one reference: a second line with the same one would be credited twice
        # or not at all depending on order, so the push is refused naming the line.
        seen, errors = set(), {}
        for index, entry in enumerate(value):
            if entry["reference"] in seen:
                errors[str(index)] = {"reference": [_("This reference appears twice in the push.")]}
            seen.add(entry["reference"])
        if errors:
            raise serializers.ValidationError(errors)
        return value


class HoursPushOut(serializers.Serializer):
    credited = serializers.IntegerField()
    already_credited = serializers.IntegerField()
    hours = serializers.CharField()
    replayed = serializers.BooleanField()


class CategoryStatusOut(serializers.Serializer):
    category = serializers.CharField(source="category.code")
    had = serializers.DecimalField(max_digits=9, decimal_places=2)
    needed = serializers.DecimalField(max_digits=9, decimal_places=2)
    due = serializers.DecimalField(max_digits=9, decimal_places=2)


class CycleStatusOut(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    target = serializers.DecimalField(max_digits=9, decimal_places=2)
    earned = serializers.DecimalField(max_digits=9, decimal_places=2)
    expected = serializers.DecimalField(max_digits=9, decimal_places=2)
    categories = CategoryStatusOut(many=True)


class FiguresOut(serializers.Serializer):
    sheet = serializers.CharField()
    organisation = serializers.CharField()
    on = serializers.DateField(allow_null=True)
    columns = serializers.ListField(child=serializers.CharField())
    rows = serializers.ListField(child=serializers.ListField())


class WebhookIn(Strict):
    url = serializers.URLField(max_length=500)
    events = serializers.ListField(child=serializers.CharField(), allow_empty=False)

    def validate_events(self, value):
        allowed = self.context["allowed"]
        refused = [e for e in value if e not in allowed]
        if refused:
            raise serializers.ValidationError(
                _("Not available to this account: %(events)s") % {"events": ", ".join(refused)})
        return value


class WebhookOut(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.URLField()
    events = serializers.ListField(child=serializers.CharField())
    is_active = serializers.BooleanField()
    created_at = serializers.DateTimeField()


class WebhookCreatedOut(WebhookOut):
    secret = serializers.CharField(help_text=_("Signs every payload; shown this once."))


def _roster_fields() -> list[str]:
    from hr.sheets.columns import TEACHERS

    return [*TEACHERS.required, *TEACHERS.optional]


class RosterRowIn(serializers.Serializer):
    """One roster row under the roster sheet's column keys (docs/hr.md); values as the sheet
    takes them, checked by the roster import itself."""

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError(_("Each teacher is an object."))
        known = _roster_fields()
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise serializers.ValidationError({name: [_("Unknown field.")] for name in unknown})
        return dict(data.items())


class TeacherUpsertIn(Strict):
    teachers = RosterRowIn(many=True, allow_empty=False, max_length=20_000)
    mark_left = serializers.BooleanField(default=False, help_text=_(
        "Mark as left every teacher of the listed schools who is not in the list."))


class TeacherUpsertOut(serializers.Serializer):
    rows = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
