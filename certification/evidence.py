"""What HR reads before deciding an application: requirement rows, their evidence, the history.

Eligibility itself is `certification.eligibility`; this module only lays its result (or the
snapshot kept with a decision) out for people, and gathers the records behind it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db.models import Sum
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from courses.models import HourCategory

from .eligibility import years_before
from .models import Application, Certificate, CertificateLevel, TrainingEntry


def _hours(value) -> str:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        return str(value)
    return f"{number.normalize():f}" if number == number.to_integral() else f"{number:.1f}"


def requirement_rows(snapshot: dict) -> list[dict]:
    """An eligibility snapshot (`Eligibility.as_json()`) as rows of label, have, need and met."""
    codes = dict(CertificateLevel.objects.values_list("rank", "code"))
    categories = {c.code: c.label for c in HourCategory.objects.all()}
    rows = []
    for req in (snapshot or {}).get("requirements", []):
        kind, met = req.get("kind"), bool(req.get("met"))
        if kind == "prerequisite":
            try:
                have = codes.get(int(req.get("have") or 0), "")
            except ValueError:
                have = req.get("have", "")
            rows.append({"label": _("Lower certificate"), "have": have or pgettext("requirement", "none"),
                         "need": _("%(code)s or higher") % {"code": req.get("need", "")},
                         "met": met})
        elif kind == "hours":
            rows.append({"label": _("Training hours in the last %(years)s years")
                         % {"years": req.get("label", "")},
                         "have": _("%(n)s hours") % {"n": _hours(req.get("have", 0))},
                         "need": _("%(n)s hours") % {"n": _hours(req.get("need", 0))},
                         "met": met})
        elif kind == "category":
            rows.append({"label": _("%(category)s hours in the last %(years)s years")
                         % {"category": categories.get(req.get("label"), req.get("label", "")),
                            "years": req.get("years", "")},
                         "have": _("%(n)s hours") % {"n": _hours(req.get("have", 0))},
                         "need": _("%(n)s hours") % {"n": _hours(req.get("need", 0))},
                         "met": met})
        elif kind == "course":
            rows.append({"label": _("Required course: %(title)s") % {"title": req.get("label")},
                         "have": (_("completed %(date)s") % {"date": req["have"]})
                         if req.get("have") else pgettext("requirement", "not completed"),
                         "need": pgettext("requirement", "completed"), "met": met})
        elif kind == "exam":
            rows.append({"label": _("Exam: %(title)s") % {"title": req.get("label")},
                         "have": (_("passed %(date)s") % {"date": req["have"]})
                         if req.get("have") else pgettext("requirement", "not passed"),
                         "need": pgettext("requirement", "passed"), "met": met})
    return rows


@dataclass
class Evidence:
    """The records behind an application's requirements."""

    window_start: date | None
    hours_by_source: list[tuple[str, Decimal]]
    hours_total: Decimal
    courses: list[tuple[str, date | None]]
    lower_certificates: list[Certificate]
    history: list[Application]


def application_evidence(application: Application, *, on: date) -> Evidence:
    """Hours by source inside the level's window, required courses with their completion dates,
    the teacher's lower certificates, and every application of the teacher with its decision."""
    level = (CertificateLevel.objects.prefetch_related("required_courses")
             .get(pk=application.level_id))
    teacher = application.teacher
    entries = TrainingEntry.objects.filter(teacher=teacher, date__lte=on)
    window_start = None
    if level.hours_required > 0:
        window_start = years_before(on, level.hours_window_years)
        entries = entries.filter(date__gt=window_start)
    labels = dict(TrainingEntry.Source.choices)
    by_source = [(str(labels.get(row["source"], row["source"])), row["total"])
                 for row in entries.values("source").annotate(total=Sum("hours"))
                 .order_by("source")]
    course_ids = [c.pk for c in level.required_courses.all()]
    done: dict[int, date] = {}
    for course_id, day in (TrainingEntry.objects.filter(
            teacher=teacher, course_id__in=course_ids,
            source=TrainingEntry.Source.COURSE_COMPLETION).values_list("course_id", "date")):
        done[course_id] = min(day, done.get(course_id, day))
    return Evidence(
        window_start=window_start,
        hours_by_source=by_source,
        hours_total=sum((total for _label, total in by_source), Decimal("0")),
        courses=[(c.title, done.get(c.pk)) for c in level.required_courses.all()],
        lower_certificates=list(Certificate.objects.filter(
            teacher=teacher, level__rank__lt=level.rank).select_related("level")
            .order_by("-level__rank", "-issued_on")),
        history=list(Application.objects.filter(teacher=teacher)
                     .select_related("level", "decided_by", "certificate")
                     .order_by("created_at")),
    )
