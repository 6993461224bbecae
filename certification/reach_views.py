"""The parent-school reach page: per school this term, with each school's own link and QR code."""

import segno
from django.shortcuts import render
from django.utils import timezone

from courses.models import ParentSchoolIndexPage
from people.access import staff_required

from .reach import REACH_ROLES, parent_school_link, parent_school_reach_rows
from .workload.selectors import (workload_calendar_owner, workload_term_containing, workload_term_get,
                                 workload_term_recent)


@staff_required(REACH_ROLES)
def parent_reach(request):
    today = timezone.localdate()
    owner = workload_calendar_owner(request.user)
    term = (workload_term_get(request.GET.get("term", ""), owner) if request.GET.get("term") else None) \
        or workload_term_containing(today, owner) \
        or workload_term_recent(today=today, count=1, organisation=owner)[0]
    index = ParentSchoolIndexPage.objects.live().first()
    base = request.build_absolute_uri(index.url) if index else ""
    rows = []
    for row in parent_school_reach_rows(user=request.user, term=term):
        link = parent_school_link(school=row.school, base_url=base) if base else ""
        rows.append({"row": row, "link": link,
                     "qr": segno.make(link, error="m").svg_inline(scale=3) if link else ""})
    return render(request, "certification/parent_reach.html", {
        "term": term, "rows": rows, "terms": workload_term_recent(today=today, count=6, organisation=owner),
        "none_count": sum(1 for r in rows if r["row"].none_held)})
