"""Pages of the people app: the audit log for HR, notices for everyone, account activation."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import purposes
from .access import staff_required
from .forms import ACTIVATION_REFUSED, ActivationForm, AuditFilterForm
from .selectors import audit_entries_in_scope, notice_list_for_user
from .services import ActivationRefused, activation_redeem, notice_open, notices_read_all

# Entries a page: each stacks six labelled lines on a phone (about 250 px with a long detail),
# so 12 keep the page short there.
AUDIT_PAGE_SIZE = 12


@staff_required(purposes.AUDIT_LOG)
def audit_log(request):
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    entries = audit_entries_in_scope(request.user, **{k: v for k, v in filters.items() if v})
    page = Paginator(entries, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "people/audit_log.html", {
        "form": form, "page": page, "query": query.urlencode(),
    })


@login_required
def notices(request):
    """The user's notices, newest first; unread ones stand out."""
    page = Paginator(notice_list_for_user(request.user), 30).get_page(request.GET.get("page"))
    return render(request, "people/notices.html", {"page": page})


@login_required
def notice_detail(request, pk: int):
    """Open a notice: it is marked read, then the page it is about opens (or the notice itself)."""
    notice = get_object_or_404(notice_list_for_user(request.user), pk=pk)
    notice_open(notice=notice)
    if notice.url and url_has_allowed_host_and_scheme(notice.url, allowed_hosts={request.get_host()}):
        return redirect(notice.url)
    return render(request, "people/notice_detail.html", {"notice": notice})


@require_POST
@login_required
def notices_mark_read(request):
    notices_read_all(user=request.user)
    return redirect("people:notices")


def activate(request):
    """A teacher's first log-in: 工号 and the code from the slip, and a new password."""
    from allauth.account.utils import perform_login

    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    initial = {"employee_no": request.GET.get("no", "")[:32]}
    form = ActivationForm(request.POST or None, request=request, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            user = activation_redeem(employee_no=form.cleaned_data["employee_no"],
                                     code=form.cleaned_data["code"],
                                     password=form.cleaned_data["password1"])
        except ActivationRefused:
            form.add_error(None, ACTIVATION_REFUSED)
        else:
            messages.success(request, _("Your account is active. Welcome!"))
            # allauth's own log-in flow: its stages (two-step verification) and signals apply.
            return perform_login(request, user, redirect_url=settings.LOGIN_REDIRECT_URL)
    return render(request, "people/activate.html", {"form": form})


# A code log-in this recent lets the user choose a new password without the old one.
RESET_BY_CODE_SECONDS = 10 * 60


@login_required
def password_new_after_code(request):
    """Password reset by phone: after logging in with a text-message code (allauth's log-in by
    code, sent here as its `next`), choose a new password without giving the old one."""
    import time

    from allauth.account.authentication import get_authentication_records
    from django.contrib.auth.forms import SetPasswordForm

    records = get_authentication_records(request, request.user)
    fresh = bool(records) and records[-1].get("method") == "code" and (
        time.time() - records[-1].get("at", 0) < RESET_BY_CODE_SECONDS)
    if not fresh:
        messages.info(request, _("Log in with a code sent to your phone first, then choose your new password."))
        return redirect(f"{reverse('account_request_login_code')}?next={reverse('account_password_new_by_code')}")
    form = SetPasswordForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        _password_changed(request, request.user)
        return redirect(settings.LOGIN_REDIRECT_URL)
    return render(request, "people/password_new.html", {"form": form})


def _password_changed(request, user) -> None:
    """What allauth does after its own password change, through its public API: the session
    kept (or ended, where ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE), the message, the notice mail and
    the `password_changed` signal."""
    from allauth.account import app_settings, signals
    from allauth.account.adapter import get_adapter
    from django.contrib.auth import update_session_auth_hash

    adapter = get_adapter(request)
    if app_settings.LOGOUT_ON_PASSWORD_CHANGE:
        adapter.logout(request)
    else:
        update_session_auth_hash(request, user)
    adapter.add_message(request, messages.SUCCESS, "account/messages/password_changed.txt")
    adapter.send_notification_mail("account/email/password_changed", user)
    signals.password_changed.send(sender=user.__class__, request=request, user=user)


@login_required
def account(request):
    """The teacher's own account: 工号, the log-in phone (shown to its owner only), and links to
    allauth's pages for e-mail addresses, password, WeChat and two-step verification."""
    from allauth.account.models import EmailAddress

    from .phones import phone_display
    from .selectors import teacher_for_user

    login_phone = getattr(request.user, "login_phone", None)
    phone = getattr(login_phone, "number", "")
    return render(request, "people/account.html", {
        "teacher": teacher_for_user(request.user),
        "phone": phone_display(phone) if phone else "",
        "phone_verified": getattr(login_phone, "verified", False),
        "emails": EmailAddress.objects.filter(user=request.user).values_list("email", flat=True)
        or ([request.user.email] if request.user.email else []),
        "weixin": "allauth.socialaccount.providers.weixin" in settings.INSTALLED_APPS,
    })


def request_login_code(request):
    """allauth's "log in with a code", refused for staff accounts: HR, school admins, trainers
    and reviewers never log in by a text message alone. They are sent to log in with their
    password and set up an authenticator app."""
    from allauth.account import views as allauth_views

    from .selectors import user_is_staff_account

    # A request with neither a number nor an address is refused by the form itself
    # (people.forms.RequestLoginCodeForm), on the page, with the message.
    if request.method == "POST" and user_is_staff_account(_code_login_user(request.POST)):
        messages.error(request, _(
            "Staff accounts do not log in with a text-message code alone. Log in with your "
            "employee number and password, then set up your authenticator app."))
        return redirect(f"{reverse('account_login')}?next={reverse('mfa_activate_totp')}")
    return allauth_views.request_login_code(request)


def _code_login_user(data):
    """The account a log-in code request names by phone or e-mail, or None."""
    from allauth.account.adapter import get_adapter
    from allauth.account.utils import filter_users_by_email

    phone, email = (data.get("phone") or "").strip(), (data.get("email") or "").strip()
    if phone:
        return get_adapter().get_user_by_phone(phone)
    if email:
        return next(iter(filter_users_by_email(email, is_active=True)), None)
    return None
