"""The parent-school reach page (per school this term, with each school's own link and QR code),
and recording a session the school held."""

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from courses.models import ParentSchoolIndexPage
from people.access import staff_required

from ..models import ParentSession
from ..reach import (
    REACH_ROLES,
    parent_school_link,
    parent_school_reach_rows,
    parent_session_record,
    parent_session_schools,
)
from ..workload.selectors import (
    workload_calendar_owner,
    workload_term_containing,
    workload_term_get,
    workload_term_recent,
)


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
    total = {"sessions": sum(r["row"].sessions for r in rows),
             "parents": sum(r["row"].parents for r in rows),
             "households": sum(r["row"].households for r in rows)}
    return render(request, "certification/parent_reach.html", {
        "term": term, "rows": rows, "terms": workload_term_recent(today=today, count=6, organisation=owner),
        "none_count": sum(1 for r in rows if r["row"].none_held), "total": total,
        "can_record": parent_session_schools(request.user).exists()})


class ParentSessionForm(forms.Form):
    school = forms.ModelChoiceField(queryset=None, label=_("School"))
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    topic = forms.CharField(label=_("Topic"), max_length=120)
    form = forms.ChoiceField(label=_("Form"), choices=ParentSession.Form.choices)
    speaker = forms.CharField(label=_("Speaker"), max_length=60, required=False)
    parents_reached = forms.IntegerField(label=_("Parents reached (person-times)"))
    households = forms.IntegerField(label=_("Households"), required=False)
    evidence = forms.FileField(label=_("Evidence (optional: PDF, JPG or PNG, up to 10 MB)"),
                               required=False)

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools.order_by("path")

    def clean_evidence(self):
        upload = self.cleaned_data.get("evidence")
        if upload and (upload.size > 10 * 1024 * 1024
                       or not upload.name.lower().endswith((".pdf", ".jpg", ".jpeg", ".png"))):
            raise forms.ValidationError(_("Evidence must be a PDF, JPG or PNG of at most 10 MB."))
        return upload


@login_required
def parent_session_new(request):
    """Record a parent-school session: the school's admin, its HR, or a teacher it named."""
    schools = parent_session_schools(request.user)
    if not schools.exists():
        raise PermissionDenied
    form = ParentSessionForm(request.POST or None, request.FILES or None, schools=schools)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            parent_session_record(
                school=data["school"], by=request.user, day=data["date"], topic=data["topic"],
                form=data["form"], speaker=data["speaker"], parents_reached=data["parents_reached"],
                households=data["households"], evidence=data["evidence"])
        except ValidationError as exc:
            for field, messages_ in exc.message_dict.items():
                for message in messages_:
                    form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(request, _("The session is recorded."))
            return redirect("certification:parent_session_new")
    return render(request, "certification/parent_session_form.html", {"form": form})
