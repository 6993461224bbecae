"""Staff pages of the people app: the audit log for HR."""

from django.core.paginator import Paginator
from django.shortcuts import render

from .access import staff_required
from .forms import AuditFilterForm
from . import purposes
from .selectors import audit_entries_in_scope


@staff_required(purposes.AUDIT_LOG)
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
