from allauth.account.forms import ConfirmLoginCodeForm as AllauthConfirmLoginCodeForm
from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import RequestLoginCodeForm as AllauthRequestLoginCodeForm
from allauth.core import ratelimit
from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from .models import AuditEntry
from .services import activation_rate_key, activation_teacher


class LoginForm(AllauthLoginForm):
    """allauth's login form, saying what "username" means here: the employee number (工号)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["login"].label = _("Employee number or e-mail")
        self.fields["login"].widget.attrs["placeholder"] = _("Employee number or e-mail")


class RequestLoginCodeForm(AllauthRequestLoginCodeForm):
    """Ask for a log-in code by text message: the mobile number only (codes go by text here,
    never by e-mail). A form sent without a number is refused with a message (allauth would
    go on to send a code to no one)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.pop("email", None)
        phone = self.fields.get("phone")
        if phone is not None:
            phone.required = True
            phone.label = _("Mobile number")
            phone.error_messages["required"] = _("Enter your mobile number.")
            phone.widget.attrs.update({"placeholder": _("11-digit mobile number"),
                                       "autocomplete": "tel", "inputmode": "tel"})

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("phone") and not data.get("email"):
            raise forms.ValidationError(_("Enter your mobile number."), code="required")
        return data


class ConfirmLoginCodeForm(AllauthConfirmLoginCodeForm):
    """The code from the text message: six digits, typed or filled in by the phone."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        code = self.fields["code"]
        code.label = _("Verification code")
        code.widget.attrs.update({"placeholder": _("6-digit code"), "inputmode": "numeric",
                                  "maxlength": "6", "pattern": "[0-9]*"})


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(label=_("Action"), required=False,
                               choices=[("", _("All actions"))] + list(AuditEntry.Action.choices))
    since = forms.DateField(label=_("From"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))


class ActivationForm(forms.Form):
    """工号 + 激活码 from the slip, and the new password (under the site's password rules)."""

    employee_no = forms.CharField(label=_("Employee number"), max_length=32,
                                  widget=forms.TextInput(attrs={"autocomplete": "username",
                                                                "autocapitalize": "characters"}))
    code = forms.CharField(label=_("Activation code"), max_length=20,
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code",
                                                         "autocapitalize": "characters",
                                                         "placeholder": "ABCD-EFGH"}))
    password1 = forms.CharField(label=_("New password"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(label=_("New password (again)"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def __init__(self, *args, request=None, **kwargs):
        self.request = request
        self.user = None
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        employee_no, code = data.get("employee_no", ""), data.get("code", "")
        if not employee_no or not code:
            return data
        # Counted like failed log-ins: per address and per teacher (ACCOUNT_RATE_LIMITS), keyed
        # on the teacher the number finds, never on how it was typed.
        if not ratelimit.consume(self.request, action="activate",
                                 key=activation_rate_key(employee_no=employee_no)):
            raise forms.ValidationError(_("Too many attempts. Please wait a few minutes and try again."),
                                        code="rate_limited")
        teacher = activation_teacher(employee_no=employee_no, code=code)
        if teacher is None:
            raise forms.ValidationError(ACTIVATION_REFUSED, code="refused")
        self.user = teacher.user
        password1, password2 = data.get("password1"), data.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords differ."))
        elif password1:
            try:
                password_validation.validate_password(password1, self.user)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data


ACTIVATION_REFUSED = _("This employee number and activation code do not match a code that can "
                       "still be used. Check both against your slip, or ask your school for a new one.")
