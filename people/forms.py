from allauth.account.forms import LoginForm as AllauthLoginForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AllauthLoginForm):
    """allauth's login form, saying what "username" means here: the employee number (工号)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["login"].label = _("Employee number or e-mail")
        self.fields["login"].widget.attrs["placeholder"] = _("Employee number or e-mail")
