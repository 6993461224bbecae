"""Service accounts in the Wagtail admin, for city and district HR over their own scope:
create one, issue or rotate its key (shown once), revoke a key, switch it off."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from people import purposes
from people.access import staff_required
from people.selectors import organisation_scope

from .forms import ServiceAccountForm
from .models import ServiceAccount
from .services import api_key_issue, api_key_revoke, api_key_rotate, service_account_create

PURPOSE = purposes.STAFF_ROLES


def _accounts(user):
    return ServiceAccount.objects.filter(
        organisation__in=organisation_scope(user, roles=PURPOSE)).select_related("organisation")


@staff_required(PURPOSE)
def account_list(request):
    form = ServiceAccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            account = service_account_create(
                name=data["name"], organisation=data["organisation"], purpose_keys=data["purposes"],
                created_by=request.user, rate_per_minute=data["rate_per_minute"])
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        except PermissionDenied as error:
            form.add_error("organisation", str(error))
        else:
            request.session["api_new_key"] = api_key_issue(account=account)
            return redirect("api_account", account.pk)
    return render(request, "api/account_list.html", {
        "accounts": _accounts(request.user).prefetch_related("keys"), "form": form,
        "title": _("Service accounts")})


@staff_required(PURPOSE)
def account_detail(request, pk: int):
    account = get_object_or_404(_accounts(request.user), pk=pk)
    labels = {key: str(p.label) for key, p in purposes.PURPOSES.items()}
    return render(request, "api/account_detail.html", {
        "account": account, "keys": account.keys.order_by("-created_at"),
        "purpose_labels": [labels.get(k, k) for k in account.purposes],
        "new_key": request.session.pop("api_new_key", None),
        "calls": account.calls.order_by("-at")[:20], "title": account.name})


@require_POST
@staff_required(PURPOSE)
def account_action(request, pk: int, action: str):
    account = get_object_or_404(_accounts(request.user), pk=pk)
    if action == "rotate":
        request.session["api_new_key"] = api_key_rotate(account=account)
        messages.success(request, _("Every earlier key is revoked; the new key is shown once below."))
    elif action == "revoke":
        key = get_object_or_404(account.keys, pk=request.POST.get("key"))
        api_key_revoke(key=key)
        messages.success(request, _("The key is revoked."))
    elif action == "toggle":
        account.is_active = not account.is_active
        account.save(update_fields=["is_active"])
    return redirect("api_account", account.pk)
