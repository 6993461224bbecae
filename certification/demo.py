"""Demo records for the demo city: hours, certificates of every level and status, credentials
and pending applications, near the seeds' figures (南沙 C holding about 80%; 慈溪 near 100%
excluding new teachers). Deterministic, bulk-inserted, idempotent."""

import random
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from people.models import Organisation, Teacher

from .eligibility import years_after
from .models import (
    Application,
    Certificate,
    CertificateEvent,
    CertificateLevel,
    CertificateNumberCounter,
    RecognisedCredential,
    TeacherCredential,
    TrainingEntry,
)
from .selectors.cycle import cycle_on, cycle_policies, cycle_policy_for
from .workload import demo as workload_demo

# Share of (non-new) teachers holding at least C, per district code suffix; the rest default.
C_RATE = {"NS": 0.86, "CX": 1.00, "QJ": 0.70, "XY": 0.60, "PT": 0.85}
AUTHORITY = "心育示范市教育局"
OFFLINE = [
    ("全员心理健康教育专题培训（线下）", Decimal("12"), "knowledge"),
    ("心理危机识别与干预工作坊", Decimal("8"), "crisis"),
    ("班主任心理辅导能力提升班", Decimal("16"), "counselling"),
    ("团体心理辅导体验营", Decimal("24"), "counselling"),
]
# Online learning done before this platform, imported from the province's earlier platform:
# not this site's courses, whose completions the ledger credits itself (once).
ONLINE = [("省教师网络研修·心理健康教育专题（导入）", Decimal("6"), "knowledge"),
          ("省教师网络研修·学生心理健康知识（导入）", Decimal("4"), "knowledge")]


# The spread of hours in the current cycle, as a bureau sees it: most teachers keep up through
# the school's own 校本研修, some lag, a few have done almost nothing (share, least and most
# of what is due by today).
PACE_SPREAD = ((0.70, 1.0, 1.6), (0.18, 0.55, 0.95), (0.12, 0.0, 0.4))
SCHOOL_BASED = [("校本研修·学生心理健康专题", "knowledge"), ("校本研修·班级心理辅导", "counselling"),
                ("校本研修·心理危机识别", "crisis")]


def _school_based_hours(pk, emp, rng, school, entries, *, today, policies):
    """School-based training (校本研修) in the current cycle that brings the teacher's hours
    (`entries`: theirs so far) to a share of what is due by `today` (`PACE_SPREAD`), in sessions
    of 3 or 6 hours."""
    cycle = cycle_on(cycle_policy_for(school, policies), today)
    roll, share = rng.random(), None
    for weight, least, most in PACE_SPREAD:
        if roll < weight:
            share = least + (most - least) * rng.random()
            break
        roll -= weight
    had = sum((e.hours for e in entries if e.teacher_id == pk and e.date >= cycle.start),
              Decimal("0"))
    wanted = cycle.due * Decimal(str(round(share or 0, 2)))
    added, i = [], 0
    days = max((today - cycle.start).days - 3, 1)
    while had + 3 <= wanted:
        amount = Decimal("6") if had + 6 <= wanted and rng.random() < 0.5 else Decimal("3")
        title, category = SCHOOL_BASED[rng.randrange(len(SCHOOL_BASED))]
        added.append(TrainingEntry(
            teacher_id=pk, source=TrainingEntry.Source.OFFLINE, hours=amount,
            date=cycle.start + timedelta(days=rng.randint(0, days)), title=title,
            reference=f"demo:school-based:{emp}:{i}", category_id=category))
        had, i = had + amount, i + 1
    return added


def _district_key(path: str, districts: dict[str, str]) -> str:
    return next((key for top, key in districts.items() if path.startswith(top)), "")


@transaction.atomic
def seed(*, city, stdout=None, today: date | None = None) -> None:
    """Add hours, certificates, credentials and applications to the demo city (once); the
    stored staff figures are dropped after the bulk writes (computed again when read)."""
    from .selectors import figures_forget

    _seed(city=city, stdout=stdout, today=today)
    figures_forget()


def _seed(*, city, stdout=None, today: date | None = None) -> None:
    today = today or timezone.localdate()
    workload_demo.seed(city=city, stdout=stdout, today=today)
    levels = {lv.code: lv for lv in CertificateLevel.objects.all()}
    if not {"A", "B", "C"} <= set(levels):
        return
    districts = {d.path: d.code.rsplit("-", 1)[-1] for d in city.districts}
    new_since = today - timedelta(days=365)
    teachers = list(Teacher.objects.filter(school__path__startswith=city.city.path)
                    .values_list("pk", "employee_no", "role", "hire_date", "school__path")
                    .order_by("pk"))
    if not teachers:
        return
    number = _Numbers(Teacher.objects.select_related("school").get(pk=teachers[0][0]))
    schools = {o.path: o for o in Organisation.objects.filter(
        path__in={t[4] for t in teachers})}
    policies = cycle_policies()
    entries, certs = [], []
    credential_rows = []
    credentials = {c.name: c for c in RecognisedCredential.objects.all()}
    demo_accounts = {u.username for u in city.accounts.values()}
    for pk, emp, role, hired, path in teachers:
        rng = random.Random(emp)
        own = len(entries)  # this teacher's entries start here
        is_new = hired is not None and hired > new_since
        # Hours: one or two offline trainings and an online course, over the last three years.
        for i in range(1 if is_new else rng.randint(1, 3)):
            title, hours, category = OFFLINE[rng.randrange(len(OFFLINE))]
            day = today - timedelta(days=rng.randint(20, 300 if is_new else 1000))
            entries.append(TrainingEntry(teacher_id=pk, source=TrainingEntry.Source.OFFLINE,
                                         hours=hours, date=day, title=title,
                                         reference=f"demo:offline:{emp}:{i}",
                                         category_id=category))
        title, hours, category = ONLINE[rng.randrange(len(ONLINE))]
        entries.append(TrainingEntry(teacher_id=pk, source=TrainingEntry.Source.IMPORT,
                                     hours=hours, date=today - timedelta(days=rng.randint(5, 400)),
                                     title=title, reference=f"demo:completion:{emp}",
                                     category_id=category))
        if emp not in demo_accounts:  # the journeys' own accounts keep their scripted hours
            entries.extend(_school_based_hours(pk, emp, rng, schools[path], entries[own:],
                                               today=today, policies=policies))
        if emp in demo_accounts or is_new:
            continue
        key = _district_key(path, districts)
        if rng.random() >= C_RATE.get(key, 0.75) and role not in Teacher.COUNSELLOR_ROLES:
            continue
        code = {"full_time_counsellor": "A", "school_leader": "B",
                "part_time_counsellor": "B"}.get(role, "C")
        if code == "B" and rng.random() < 0.3:
            code = "C"
        issued = today - timedelta(days=rng.randint(30, 1700))
        level = levels[code]
        status = Certificate.Status.ACTIVE
        roll = rng.random()
        ended = None
        if roll < 0.03 and key != "CX":  # 慈溪 reports every teacher certified
            status = Certificate.Status.REVOKED
            ended = min(today, issued + timedelta(days=rng.randint(10, 400)))
        certs.append((code, Certificate(
            number=number(code, issued.year), level=level, teacher_id=pk,
            issued_on=issued, expires_on=years_after(issued, level.validity_years)
            - timedelta(days=1), status=status, ended_on=ended, authority=AUTHORITY,
            source=Certificate.Source.ISSUED if roll < 0.9 else Certificate.Source.IMPORTED)))
        if code != "C":
            # Holders of B and A also show the C they started from.
            old = issued - timedelta(days=rng.randint(400, 900))
            certs.append(("C", Certificate(
                number=number("C", old.year), level=levels["C"], teacher_id=pk,
                issued_on=old, expires_on=years_after(old, 5) - timedelta(days=1),
                status=Certificate.Status.ACTIVE, authority=AUTHORITY)))
        if roll > 0.97:
            # An earlier C that ran out: expired, and one that a reissue superseded.
            gone = today - timedelta(days=2400)
            certs.append(("C", Certificate(
                number=number("C", gone.year), level=levels["C"], teacher_id=pk,
                issued_on=gone, expires_on=years_after(gone, 5) - timedelta(days=1),
                status=Certificate.Status.EXPIRED if roll > 0.985
                else Certificate.Status.SUPERSEDED,
                ended_on=None if roll > 0.985 else gone + timedelta(days=900),
                authority=AUTHORITY)))
        if role == Teacher.Role.FULL_TIME_COUNSELLOR and "国家二级心理咨询师" in credentials:
            credential_rows.append(TeacherCredential(
                teacher_id=pk, credential=credentials["国家二级心理咨询师"],
                number=f"ZX2-{emp}", obtained_on=today - timedelta(days=3000)))
    TrainingEntry.objects.bulk_create(entries, batch_size=2000, ignore_conflicts=True)
    existing = set(Certificate.objects.filter(number__in=[c.number for _, c in certs])
                   .values_list("number", flat=True))
    fresh = [c for _, c in certs if c.number not in existing]
    Certificate.objects.bulk_create(fresh, batch_size=2000)
    kinds = {Certificate.Status.REVOKED: CertificateEvent.Kind.REVOKED,
             Certificate.Status.EXPIRED: CertificateEvent.Kind.EXPIRED,
             Certificate.Status.SUPERSEDED: CertificateEvent.Kind.SUPERSEDED}
    ids = dict(Certificate.objects.filter(number__in=[c.number for c in fresh])
               .values_list("number", "pk"))
    events = []
    for cert in fresh:
        first = (CertificateEvent.Kind.IMPORTED if cert.source == Certificate.Source.IMPORTED
                 else CertificateEvent.Kind.ISSUED)
        events.append(CertificateEvent(certificate_id=ids[cert.number], kind=first))
        if cert.status in kinds:
            events.append(CertificateEvent(certificate_id=ids[cert.number],
                                           kind=kinds[cert.status], note="演示数据"))
    CertificateEvent.objects.bulk_create(events, batch_size=2000)
    TeacherCredential.objects.bulk_create(credential_rows, batch_size=2000, ignore_conflicts=True)
    _demo_accounts(city, levels, today, number)
    number.counters_advance()
    # The rows above were bulk-inserted for speed; seal them onto their chains now.
    from .records import records_backfill

    records_backfill()
    if stdout is not None:
        stdout.write(f"certification: {len(entries)} hour entries, {len(fresh)} new certificates")


class _Numbers:
    """Demo certificate numbers in the issuing scheme (SF-C-2026-00001), the same on every run
    of the same day; the counters are advanced past them so that issuing goes on after."""

    def __init__(self, teacher: Teacher):
        from .services import certificate_region

        self.region = certificate_region(teacher)
        self.last: dict[tuple[str, int], int] = {}

    def __call__(self, level_code: str, year: int) -> str:
        from .services import certificate_number_format

        seq = self.last[level_code, year] = self.last.get((level_code, year), 0) + 1
        return certificate_number_format(region=self.region, level_code=level_code, year=year,
                                         seq=seq)

    def counters_advance(self) -> None:
        for (level_code, year), seq in self.last.items():
            counter, _made = CertificateNumberCounter.objects.get_or_create(
                region=self.region, level_code=level_code, year=year)
            if counter.last < seq:
                counter.last = seq
                counter.save(update_fields=["last"])


def _demo_accounts(city, levels, today: date, number: _Numbers) -> None:
    """The demo teacher holds C and has applied for B (86/120 hours); the counsellor holds B
    and has applied for A; two more teachers of the demo school wait for C."""
    def profile(key):
        user = city.accounts.get(key)
        return getattr(user, "teacher", None) if user else None

    plans = [(profile("teacher"), "C", "B", Decimal("62")),
             (profile("counsellor"), "B", "A", Decimal("180"))]
    for teacher, held, wanted, hours in plans:
        if teacher is None:
            continue
        TrainingEntry.objects.bulk_create([TrainingEntry(
            teacher=teacher, source=TrainingEntry.Source.OFFLINE, hours=hours,
            date=today - timedelta(days=200), title="区级心理健康教育骨干教师研修",
            reference=f"demo:account:{teacher.employee_no}", category_id="knowledge")],
            ignore_conflicts=True)
        issued = today - timedelta(days=700)
        cert, made = Certificate.objects.get_or_create(number=number(held, issued.year), defaults={
            "level": levels[held], "teacher": teacher, "issued_on": issued,
            "expires_on": years_after(issued, 5) - timedelta(days=1), "authority": AUTHORITY})
        if made:
            CertificateEvent.objects.create(certificate=cert, kind=CertificateEvent.Kind.ISSUED)
        _pending(teacher, levels[wanted], today)
    others = (Teacher.objects.filter(school=city.demo_school, certificates__isnull=True)
              .exclude(user__in=city.accounts.values()).order_by("pk")[:2])
    for teacher in others:
        _pending(teacher, levels["C"], today)


def _pending(teacher, level, today: date) -> None:
    from .eligibility import LevelRule, eligibility
    from .selectors import eligibility_records

    if Application.objects.filter(teacher=teacher, level=level).exists():
        return
    result = eligibility(eligibility_records(teacher), LevelRule.of(level), today)
    Application.objects.create(teacher=teacher, level=level, eligibility=result.as_json())
