"""Pages of the people app: the audit log for HR, notices for everyone, account activation."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .access import staff_required
from .forms import ACTIVATION_REFUSED, ActivationForm, AuditFilterForm
from .models import StaffRole
from .selectors import audit_entries_in_scope, notice_list_for_user
from .services import ActivationRefused, activation_redeem, notice_open, notices_read_all


@staff_required(StaffRole.HR_ROLES)
def audit_log(request):
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    entries = audit_entries_in_scope(request.user, **{k: v for k, v in filters.items() if v})
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
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
