"""Forms of the HR desk: upload a sheet, ask for an export."""

import tempfile

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from certification.models import Certificate
from certification.selectors import level_codes
from certification.workload.selectors import workload_calendar_owner, workload_term_recent
from people import purposes
from people.models import Organisation, Teacher
from people.selectors import organisation_scope, scope_tops

from .exports import EXPORTS
from .selectors import DESK_ROLES
from .sheets.errors import SheetRefused
from .sheets.reading import check_file
from .sheets.safety import SUFFIXES
from .snapshots import SNAPSHOT_LABELS

IMPORT_CHOICES = [
    ("teachers", _("Teachers roster")),
    ("certificates", pgettext_lazy("import kind", "Certificates held")),
    ("training", _("Offline training hours")),
    ("organisations", _("Organisations")),
    ("calendar", _("School calendar")),
    ("parent_sessions", _("Parent-school sessions")),
]


class ImportForm(forms.Form):
    sheet = forms.ChoiceField(label=_("What the sheet holds"), choices=())
    file = forms.FileField(label=_("Excel or CSV file (.xlsx, .xls, .xlsb, .ods, .et, .csv)"),
                           widget=forms.ClearableFileInput(attrs={"accept": ",".join(SUFFIXES)}))
    mark_left = forms.BooleanField(
        label=_("Mark as left every teacher of these schools who is not in this file"),
        required=False, help_text=_("Teachers roster only. The preview names them before anything is written."))
    effective_on = forms.DateField(
        label=_("Changes take effect on"), required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Teachers roster only: the day transfers, leavers and post changes take effect "
                    "where a row gives no leaving or transfer date of its own. Empty: today."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sheet"].choices = IMPORT_CHOICES

    def clean_file(self):
        upload = self.cleaned_data["file"]
        # The cheap checks run here too, so a wrong file is refused at once, before any job.
        try:
            if hasattr(upload, "temporary_file_path"):
                check_file(upload.temporary_file_path(), upload.name)
            else:
                with tempfile.NamedTemporaryFile() as temp:
                    for chunk in upload.chunks():
                        temp.write(chunk)
                    temp.flush()
                    check_file(temp.name, upload.name)
        except SheetRefused as exc:
            raise forms.ValidationError(exc.message) from None
        upload.seek(0)
        return upload


class EffectiveOnForm(forms.Form):
    effective_on = forms.DateField(label=_("Changes take effect on"),
                                   widget=forms.DateInput(attrs={"type": "date"}))


class ExportForm(forms.Form):
    sheet = forms.ChoiceField(label=_("Export"), choices=())
    organisation = forms.ModelChoiceField(label=_("Organisation"), queryset=Organisation.objects.none(),
                                          required=False, empty_label=_("My whole scope"))
    level = forms.ChoiceField(label=_("Certificate level (roster)"), required=False, choices=())
    status = forms.ChoiceField(label=_("Certificate status (roster)"), required=False,
                               choices=[("", _("Any status")), *Certificate.Status.choices])
    role = forms.ChoiceField(label=_("Role (roster, teachers, hours)"), required=False,
                             choices=[("", _("Any role")), *Teacher.Role.choices])
    expiring_before = forms.DateField(label=_("Expiring before (roster)"), required=False,
                                      widget=forms.DateInput(attrs={"type": "date"}))
    term = forms.ChoiceField(label=_("Term (workload)"), required=False, choices=())
    on = forms.DateField(label=_("On (holding, hours, staffing, completion)"), required=False,
                         widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sheet"].choices = [(key, kind.label) for key, kind in EXPORTS.items()]
        self.fields["organisation"].queryset = (organisation_scope(user, roles=DESK_ROLES)
                                                .order_by("path"))
        self.fields["level"].choices = [("", _("Any level"))] + [
            (code, code) for code in level_codes()]
        self.fields["term"].choices = [("", _("Current term"))] + [
            (t.slug, str(t)) for t in workload_term_recent(
                today=timezone.localdate(), count=6, organisation=workload_calendar_owner(user))]

    def params(self) -> dict:
        """The filters that apply to the chosen export, as the job keeps them (JSON)."""
        applies = EXPORTS[self.cleaned_data["sheet"]].filters
        params = {}
        for key in applies:
            value = self.cleaned_data.get(key)
            if value:
                params[key] = value.isoformat() if hasattr(value, "isoformat") else value
        return params


class EraseForm(forms.Form):
    confirm = forms.CharField(label=_("Type the teacher's employee number to confirm"), max_length=32)
    reason = forms.CharField(label=_("Reason (e.g. the request's reference)"), max_length=300,
                             widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, teacher, **kwargs):
        super().__init__(*args, **kwargs)
        self.teacher = teacher

    def clean_confirm(self):
        value = self.cleaned_data["confirm"].strip()
        if value != self.teacher.employee_no:
            raise forms.ValidationError(_("That is not this teacher's employee number."))
        return value


class SnapshotForm(forms.Form):
    """Submit a sheet's figures for an organisation and a day (district and city HR)."""

    sheet = forms.ChoiceField(label=_("Sheet"), choices=())
    organisation = forms.ModelChoiceField(label=_("Organisation"), queryset=Organisation.objects.none())
    on = forms.DateField(label=_("Figures as of"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sheet"].choices = list(SNAPSHOT_LABELS.items())
        self.fields["organisation"].queryset = (organisation_scope(user, roles=purposes.REPORT_SUBMIT)
                                                .order_by("path"))


class RoundForm(forms.Form):
    """Open a reporting round: the asking organisation, the sheet, its day, who is asked, due when."""

    organisation = forms.ModelChoiceField(label=_("Asked by"), queryset=Organisation.objects.none())
    sheet = forms.ChoiceField(label=_("Sheet"), choices=())
    on = forms.DateField(label=_("Figures as of"), widget=forms.DateInput(attrs={"type": "date"}))
    due_on = forms.DateField(label=_("Due"), widget=forms.DateInput(attrs={"type": "date"}))
    members = forms.ModelMultipleChoiceField(label=_("Organisations asked"),
                                             queryset=Organisation.objects.none(),
                                             widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sheet"].choices = list(SNAPSHOT_LABELS.items())
        scope = organisation_scope(user, roles=purposes.REPORT_ROUND)
        # A round asks the organisations one level below its asker: a province its cities, a
        # city its districts.
        askers = scope.exclude(kind__in=(Organisation.Kind.SCHOOL, Organisation.Kind.TOWNSHIP,
                                         Organisation.Kind.DISTRICT)).order_by("path")
        self.fields["organisation"].queryset = askers
        tops = scope_tops(user, roles=purposes.REPORT_ROUND)
        if tops and not self.is_bound:
            self.initial.setdefault("organisation", tops[0])
        below = Q(pk__in=[])
        for asker in askers:
            below |= Q(path__startswith=asker.path, depth=asker.depth + 1)
        self.fields["members"].queryset = scope.filter(below).order_by("path")
