"""Forms of the staff learning pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from people.models import Organisation, Teacher
from people.selectors import organisation_scope

from .models import CoursePage


class AssignmentForm(forms.Form):
    """Assign a course to a subtree within the staff member's scope."""

    course = forms.ModelChoiceField(CoursePage.objects.none(), label=_("Course"))
    organisation = forms.ModelChoiceField(Organisation.objects.none(), label=_("Assign to"))
    roles = forms.MultipleChoiceField(
        choices=Teacher.Role.choices, required=False, label=_("Only these roles"),
        widget=forms.CheckboxSelectMultiple, help_text=_("Leave empty for every teacher."))
    deadline = forms.DateField(label=_("Deadline"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, user, scope_roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = CoursePage.objects.live().order_by("title")
        self.fields["organisation"].queryset = organisation_scope(user, roles=scope_roles).order_by("path")
