"""Forms of the staff learning pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from people.models import Organisation, Stage, Teacher
from people.selectors import organisation_scope

from .models import CoursePage


class AssignmentForm(forms.Form):
    """Assign a course to a subtree within the staff member's scope."""

    course = forms.ModelChoiceField(CoursePage.objects.none(), label=_("Course"))
    organisation = forms.ModelChoiceField(Organisation.objects.none(), label=_("Assign to"))
    roles = forms.MultipleChoiceField(
        choices=Teacher.Role.choices, required=False, label=_("Only these roles"),
        widget=forms.CheckboxSelectMultiple, help_text=_("Leave empty for every teacher."))
    stages = forms.MultipleChoiceField(
        choices=Stage.choices, required=False, label=_("Only schools of these stages"),
        widget=forms.CheckboxSelectMultiple, help_text=_("Leave empty for every school."))
    hired_after = forms.DateField(label=_("Hired after"), required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}))
    hired_before = forms.DateField(label=_("Hired before"), required=False,
                                   widget=forms.DateInput(attrs={"type": "date"}))
    deadline = forms.DateField(label=_("Deadline"), widget=forms.DateInput(attrs={"type": "date"}))
    days_to_complete = forms.IntegerField(
        label=_("Days to complete for newcomers"), required=False, min_value=1, max_value=365,
        help_text=_("Teachers who join later are due this many days after joining; "
                    "empty: the deadline."))

    def __init__(self, *args, user, scope_roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = CoursePage.objects.live().order_by("title")
        self.fields["organisation"].queryset = organisation_scope(user, roles=scope_roles).order_by("path")
