from django import forms
from django.utils.translation import gettext_lazy as _

from people import purposes
from people.models import Organisation
from people.selectors import organisation_scope

from .services import ROLE_FOR_KIND, purposes_available


class ServiceAccountForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80,
                           help_text=_("The system that will call, e.g. the provincial platform's hours sync."))
    organisation = forms.ModelChoiceField(label=_("Organisation"), queryset=Organisation.objects.none())
    purposes = forms.MultipleChoiceField(label=_("Purposes"), widget=forms.CheckboxSelectMultiple,
                                         choices=())
    rate_per_minute = forms.IntegerField(label=_("Calls per minute"), min_value=1, max_value=100_000,
                                         initial=600)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisation_scope(
            user, roles=purposes.STAFF_ROLES).filter(kind__in=list(ROLE_FOR_KIND)).order_by("path")
        seen = {}
        for kind in ROLE_FOR_KIND:
            for purpose in purposes_available(Organisation(kind=kind)):
                seen[purpose.key] = purpose.label
        self.fields["purposes"].choices = list(seen.items())
