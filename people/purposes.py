"""Which staff roles grant each purpose: the one table of who may see what.

The roles themselves (their groups, admin permissions, level and rank) are in people/roles.py.

A staff binding is (user, role, subtree). What a page, export or job may show is the subtree
of the bindings whose role grants *that* purpose; a user's other roles never widen it. Every
scoped read (`people.selectors.organisation_scope` and its kin), every staff view, viewset,
form, export, job and command names one purpose from this table as its `roles=`.

A Purpose iterates over its roles, so it is passed as it is: `organisation_scope(user,
roles=purposes.HR_DESK)`. A job keeps the key of the purpose it was asked under.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .models import StaffRole

Role = StaffRole.Role


@dataclass(frozen=True)
class Purpose:
    """A reason to look at records, and the roles that grant it."""

    key: str
    label: str
    roles: tuple[str, ...]

    def __iter__(self):
        return iter(self.roles)

    def __contains__(self, role) -> bool:
        return role in self.roles

    def __len__(self) -> int:
        return len(self.roles)


SCHOOL_ADMIN = (Role.SCHOOL_ADMIN,)
# Province HR stand above the cities with what city HR may do, over the whole province.
CITY_UP = (Role.CITY_HR, Role.PROVINCE_HR)
HR = (Role.DISTRICT_HR, *CITY_UP)
ADMIN = (Role.SCHOOL_ADMIN, *HR)
ANY = tuple(Role.values)

# Trainers and reviewers write and review content through Wagtail's page permissions: no
# purpose here shows them people.
TEACHER_ADMIN = Purpose("teacher_admin", _("Teacher and organisation records in the admin"), ADMIN)
# Writes have their own purposes: a school admin reads the school's teachers in the admin, but
# only HR edits, moves or marks them as left (the groups' change permissions say the same).
TEACHER_EDIT = Purpose("teacher_edit", _("Editing, moving and marking teachers as left"), HR)
LEARNING_RECORDS = Purpose("learning_records", _("Enrolments and course completions in the admin"),
                           ADMIN)
ASSIGNMENTS = Purpose("assignments", _("Assigned training: assigning, progress and completion"),
                      ADMIN)
DASHBOARD = Purpose("dashboard", _("Dashboard: holding, completion, expiry and hours panels"), ADMIN)
CERTIFICATE_ROSTER = Purpose("certificate_roster",
                             _("Certificates, teachers' records and holding rates"), ADMIN)
CERTIFICATE_REVIEW = Purpose("certificate_review",
                             _("Applications, issuing, revoking and hour corrections"), HR)
WORKLOAD_APPROVAL = Purpose("workload_approval", _("Approving counsellors' workload"), SCHOOL_ADMIN)
WORKLOAD_REPORT = Purpose("workload_report", _("Workload term reports"), ADMIN)
HR_DESK = Purpose("hr_desk", _("HR desk: exports, jobs and templates"), ADMIN)
HR_IMPORT = Purpose("hr_import", _("HR desk: imports"), HR)
AUDIT_LOG = Purpose("audit_log", _("The audit log"), HR)
PRIVACY = Purpose("privacy", _("A teacher's personal data: export and erasure"), HR)
TWO_STEP = Purpose("two_step", _("Roles that must use two-step verification"), ADMIN)
ORGANISATION_TREE = Purpose("organisation_tree",
                            _("Adding, moving and removing organisations"), HR)
STAFF_ROLES = Purpose("staff_roles", _("Staff roles: who holds which role where"), HR)
GRANT_ANY_ROLE = Purpose("grant_any_role", _("Granting and revoking any staff role"),
                         CITY_UP)
# Nobody grants above their own role: only province HR make province HR.
GRANT_PROVINCE_HR = Purpose("grant_province_hr", _("Granting and revoking province HR"),
                            (Role.PROVINCE_HR,))
GRANT_SCHOOL_ADMIN = Purpose("grant_school_admin",
                             _("Granting and revoking school admins of the district's schools"),
                             (Role.DISTRICT_HR,))
STAFFING_RULES = Purpose("staffing_rules", _("Counsellor staffing rules: reading"), HR)
STAFFING_RULES_EDIT = Purpose("staffing_rules_edit", _("Counsellor staffing rules: editing"),
                              CITY_UP)
HOLDING_RULES_EDIT = Purpose("holding_rules_edit",
                             _("Cycle policies, holding targets and new-teacher periods: editing"),
                             CITY_UP)
RECORDS_INTEGRITY = Purpose("records_integrity",
                            _("Alerts of records changed behind the services' back"),
                            CITY_UP)
# Trainers draft the event pages; the sign-ups (people) are the organising unit's staff's.
EVENT_ORGANISING = Purpose("event_organising",
                           _("Organising events: sign-ups, QR codes, attendance and closing"),
                           ADMIN)
# Who creates event pages, and which organisations they may name as organiser and audience:
# trainers (drafting, as for courses) and the organising staff, each for their own subtree.
EVENT_CREATING = Purpose("event_creating",
                         _("Creating events: organiser and audience within one's own scope"),
                         (Role.TRAINER, *ADMIN))
DECLARATION_CHECK = Purpose("declaration_check", _("Checking declared hours at the school"),
                            SCHOOL_ADMIN)
DECLARATION_DECISION = Purpose("declaration_decision",
                               _("Approving or returning declared hours"), HR)
DECLARATION_REVIEW = Purpose("declaration_review",
                             _("The queue of declared hours and their evidence"), ADMIN)
OUTSIDE_CREDENTIALS = Purpose("outside_credentials", _("Recording outside credentials"), HR)
PARENT_REACH = Purpose("parent_reach", _("Parent schools per school"), ADMIN)
# Another platform's launches log teachers in here: only the city decides whom to trust.
LTI_PLATFORMS = Purpose("lti_platforms", _("LTI platforms: registering other learning platforms"),
                        CITY_UP)
SCHOOL_CALENDAR = Purpose("school_calendar",
                          _("School calendar: terms, holidays and make-up days"), HR)
WORKLOAD_RULES = Purpose("workload_rules",
                         _("Workload credit rates and the head-teacher norm of the subtree"), HR)
POLICY_CONFIRM = Purpose("policy_confirm",
                         _("Confirming the shipped example policies for the city"),
                         CITY_UP)
PARENT_SESSION_RECORD = Purpose("parent_session_record",
                                _("Recording the school's parent-school sessions"), ADMIN)
PARENT_SESSION_RECORDERS = Purpose("parent_session_recorders",
                                   _("Naming the teachers who record the school's parent-school sessions"),
                                   SCHOOL_ADMIN)
# Report snapshots: district and city HR submit a sheet's figures upward and stand behind them;
# the desk's roles list and download those of their scope.
REPORT_SUBMIT = Purpose("report_submit", _("Submitting report snapshots"), HR)
# Reporting rounds: the city (or province) asks its districts (or cities), returns and approves.
REPORT_ROUND = Purpose("report_round", _("Reporting rounds: asking, returning and approving"),
                       CITY_UP)
STAFF_MENU = Purpose("staff_menu", _("Staff links in the navigation"), ANY)

# Every purpose above, once (tests/people/test_roles.py fails on one left out).
PURPOSES: dict[str, Purpose] = {p.key: p for p in (
    TEACHER_ADMIN, TEACHER_EDIT, LEARNING_RECORDS, ASSIGNMENTS, DASHBOARD, CERTIFICATE_ROSTER,
    CERTIFICATE_REVIEW, WORKLOAD_APPROVAL, WORKLOAD_REPORT, HR_DESK, HR_IMPORT, AUDIT_LOG,
    PRIVACY, TWO_STEP, ORGANISATION_TREE, STAFF_ROLES, GRANT_ANY_ROLE, GRANT_PROVINCE_HR, GRANT_SCHOOL_ADMIN,
    STAFFING_RULES, STAFFING_RULES_EDIT, HOLDING_RULES_EDIT, RECORDS_INTEGRITY, EVENT_ORGANISING,
    EVENT_CREATING, DECLARATION_CHECK, DECLARATION_DECISION, DECLARATION_REVIEW,
    OUTSIDE_CREDENTIALS, PARENT_REACH, LTI_PLATFORMS, SCHOOL_CALENDAR, WORKLOAD_RULES,
    POLICY_CONFIRM, PARENT_SESSION_RECORD, PARENT_SESSION_RECORDERS, REPORT_SUBMIT, REPORT_ROUND, STAFF_MENU,
)}


def purpose_get(key: str) -> Purpose | None:
    """The purpose with this key (as a job keeps it), or None."""
    return PURPOSES.get(key)
