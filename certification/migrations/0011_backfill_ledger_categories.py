"""Existing ledger lines take the category of what produced them: the course completed, the
live session or event attended, the declaration approved; imports and corrections keep the
default ("other"). The lines' seals do not cover the category (0013 marks them so), so they
stay valid."""

from django.db import migrations
from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce


def backfill(apps, schema_editor):
    Entry = apps.get_model("certification", "TrainingEntry")
    Declaration = apps.get_model("certification", "HourDeclaration")
    CoursePage = apps.get_model("courses", "CoursePage")
    LiveSessionPage = apps.get_model("courses", "LiveSessionPage")
    LiveAttendance = apps.get_model("courses", "LiveAttendance")
    EventSignup = apps.get_model("courses", "EventSignup")
    # Historical models keep the plain manager: the ledger's append-only guard is not in the way.
    Entry.objects.filter(source="course_completion", course__isnull=False).update(
        category_id=Coalesce(Subquery(CoursePage.objects.filter(page_ptr_id=OuterRef("course_id"))
                                      .values("category")[:1]), Value("other")))
    sessions = dict(LiveSessionPage.objects.values_list("page_ptr_id", "category"))
    codes = {
        "live-attendance": {str(pk): sessions.get(session_id) for pk, session_id
                            in LiveAttendance.objects.values_list("pk", "session_id")},
        "event-attendance": {str(pk): code for pk, code
                             in EventSignup.objects.values_list("pk", "event__category")},
        "declaration": {str(pk): code for pk, code
                        in Declaration.objects.values_list("pk", "category")},
    }
    by_code: dict[str, list[int]] = {}
    for pk, reference in (Entry.objects.filter(
            source__in=("live_attendance", "offline", "declared")).values_list("pk", "reference")
            .iterator(chunk_size=2000)):
        prefix, _sep, key = reference.partition(":")
        code = codes.get(prefix, {}).get(key)
        if code:
            by_code.setdefault(code, []).append(pk)
    for code, pks in by_code.items():
        for i in range(0, len(pks), 900):
            Entry.objects.filter(pk__in=pks[i:i + 900]).update(category_id=code)


class Migration(migrations.Migration):
    dependencies = [
        ("certification", "0010_ledger_categories_and_cycle_minimums"),
        ("courses", "0007_hour_categories"),
    ]
    operations = [migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True)]
