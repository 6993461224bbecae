from allauth.account.forms import LoginForm as AllauthLoginForm
from django import forms
from django.utils.translation import gettext_lazy as _

from .models import AuditEntry


class LoginForm(AllauthLoginForm):
    """allauth's login form, saying what "username" means here: the employee number (工号)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["login"].label = _("Employee number or e-mail")
        self.fields["login"].widget.attrs["placeholder"] = _("Employee number or e-mail")


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(label=_("Action"), required=False,
                               choices=[("", _("All actions"))] + list(AuditEntry.Action.choices))
    since = forms.DateField(label=_("From"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))
