"""The first-run checklist: city HR see each shipped policy as an example until they confirm it."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from people import purposes
from people.access import staff_required
from people.selectors import scope_tops

from ..policies import POLICY_KEYS, policy_checklist, policy_city, policy_confirm


def _admin_url(name: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


@staff_required(purposes.POLICY_CONFIRM)
@require_http_methods(["GET", "POST"])
def policy_checklist_page(request):
    city = policy_city(scope_tops(request.user, roles=purposes.POLICY_CONFIRM)[0])
    if request.method == "POST":
        key = request.POST.get("policy", "")
        policy_confirm(key=key, organisation=city, by=request.user)
        messages.success(request, _("Confirmed: %(policy)s is now %(city)s's rule.") % {
            "policy": POLICY_KEYS[key].label, "city": city.name})
        return redirect("certification:policy_checklist")
    items = [{"item": item, "admin_url": _admin_url(item.policy.admin)}
             for item in policy_checklist(organisation=city)]
    return render(request, "certification/policy_checklist.html", {
        "city": city, "items": items, "unconfirmed": sum(1 for i in items if not i["item"].confirmed)})
