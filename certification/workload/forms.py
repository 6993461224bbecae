"""Forms of the workload pages: one entry, the week grid, and a return reason.

Every rule is checked by services.workload_entry_clean; the forms only collect and show errors.
"""

from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from .selectors import workload_activity_type_list
from .services import workload_entry_clean, workload_row_error

WEEK_GRID_ROWS = 40
NOTE_HELP = _("Counts and categories only: never a student's name, phone or ID number.")


class _EntryFields(forms.Form):
    activity_type = forms.ModelChoiceField(queryset=None, label=_("Activity"), required=False)
    quantity = forms.DecimalField(label=_("Quantity or hours"), required=False, min_value=0,
                                  max_digits=6, decimal_places=2,
                                  widget=forms.NumberInput(attrs={"step": "0.5", "inputmode": "decimal"}))
    group_size = forms.IntegerField(label=_("Class or group size"), required=False, min_value=1,
                                    widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    note = forms.CharField(label=_("Note"), required=False, max_length=200, help_text=NOTE_HELP)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["activity_type"].queryset = workload_activity_type_list()

    def _check(self, cleaned):
        try:
            return workload_entry_clean(
                activity_type=cleaned.get("activity_type"), day=cleaned.get("date"),
                quantity=cleaned.get("quantity"), group_size=cleaned.get("group_size"),
                note=cleaned.get("note", ""), start_time=cleaned.get("start_time"),
            )
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                for message in messages:
                    self.add_error(name if name in self.fields else None, message)
            return None


class WorkloadEntryForm(_EntryFields):
    """One entry: the page to log or correct a single piece of work."""

    date = forms.DateField(label=_("Date"), required=False,
                           widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    start_time = forms.TimeField(
        label=_("Start time"), required=False,
        help_text=_("Counselling-room duty: when the room opened, so that two counsellors' "
                    "overlapping duty counts once."),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    field_order = ["activity_type", "date", "start_time", "quantity", "group_size", "note"]

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            self._check(cleaned)
        return cleaned


class WeekRowForm(_EntryFields):
    """One row of the week grid; a row left blank is skipped."""

    date = forms.TypedChoiceField(label=_("Date"), required=False, coerce=date.fromisoformat,
                                  empty_value=None)
    field_order = ["date", "activity_type", "quantity", "group_size", "note"]

    def __init__(self, *args, week_days=(), activity_types=(), row=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.row = row
        self.fields["date"].choices = [
            (d.isoformat(), date_format(d, "m-d D")) for d in week_days
        ]
        # The types are loaded once for the whole grid, not once per row (40 rows).
        by_pk = {str(t.pk): t for t in activity_types}
        self.fields["activity_type"] = forms.TypedChoiceField(
            label=_("Activity"), required=False, empty_value=None, coerce=by_pk.__getitem__,
            choices=[("", "—")] + [(pk, t.name) for pk, t in by_pk.items()],
        )
        self.fields["note"].help_text = ""
        if row is not None:
            # The grid shows no label beside each cell: screen readers get "第 3 行 活动".
            for field in self.fields.values():
                field.widget.attrs["aria-label"] = _("Row %(row)s: %(field)s") % {
                    "row": row, "field": field.label}

    def is_blank(self) -> bool:
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return not any(data.get(k) not in (None, "") for k in ("activity_type", "quantity", "group_size", "note"))


class BaseWeekFormSet(forms.BaseFormSet):
    def __init__(self, *args, week_days=(), **kwargs):
        self.week_days = list(week_days)
        self.activity_types = list(workload_activity_type_list())
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {"week_days": self.week_days, "activity_types": self.activity_types,
                # The empty row the page copies is numbered by its script.
                "row": "__number__" if index is None else index + 1}

    def clean(self):
        """Name the first bad row, the way the user counts them ("第 7 行：…")."""
        self.rows = []
        row_errors = []
        for number, form in enumerate(self.forms, start=1):
            if form.errors:
                row_errors.append(workload_row_error(number, _first_error(form)))
                continue
            if form.is_blank():
                continue
            if form._check(form.cleaned_data) is None:
                row_errors.append(workload_row_error(number, _first_error(form)))
                continue
            self.rows.append({"row": number, **{k: form.cleaned_data.get(k) for k in
                                                ("activity_type", "date", "quantity", "group_size", "note")}})
        if row_errors:
            raise ValidationError(row_errors)
        if not self.rows:
            raise ValidationError(_("Fill in at least one row."))


def _first_error(form) -> str:
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        return f"{label}：{errors[0]}" if label else errors[0]
    return ""


WeekFormSet = forms.formset_factory(
    WeekRowForm, formset=BaseWeekFormSet, extra=WEEK_GRID_ROWS, max_num=WEEK_GRID_ROWS,
    validate_max=True, absolute_max=WEEK_GRID_ROWS,
)


WEEK_GRID_FIRST_ROWS = 3  # rows shown at first; "add a row" adds more, up to WEEK_GRID_ROWS


class ReturnForm(forms.Form):
    """Why an entry goes back to the counsellor."""

    reason = forms.CharField(label=_("Reason for returning"), max_length=200,
                             widget=forms.TextInput())
