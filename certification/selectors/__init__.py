"""Reads about hours, eligibility, certificates and holding rates, shared by pages, sheets and
tasks; one module per subject, every name importable from here."""

from .certificates import (  # noqa: F401
    application_get_for_reviewer,
    application_list_for_reviewer,
    certificate_get_by_code,
    certificate_get_by_number,
    certificate_get_for_user,
    certificate_list_for_teacher,
    expiry_date_for,
)
from .common import ROSTER_ROLES  # noqa: F401
from .cycle import (  # noqa: F401
    Cycle,
    CycleStatus,
    cycle_on,
    cycle_policy_for,
    cycle_status,
    pace_filters,
    pace_of,
    training_entry_list,
    with_cycle,
)
from .dashboard import (  # noqa: F401
    ChildRate,
    certificates_expiring_by_month,
    completion_by_child,
    holding_by_child,
    hours_pace_distribution,
    hours_pace_trend,
)
from .figures import (  # noqa: F401
    figures_deferred,
    figures_forget,
    figures_note,
    figures_rebuild,
    figures_teachers_changed,
    school_figures,
    stored_compliance,
    stored_holding_rates,
    stored_pace,
    stored_trends,
)
from .holding import (  # noqa: F401
    RateRow,
    compliance_missing,
    compliance_missing_count,
    compliance_missing_level,
    held_rank_expression,
    holding_rate_rows,
    holding_rates,
    holding_target_for,
    holding_targets,
    holding_trend,
    holds_level_q,
    in_post_q,
    is_new_teacher_q,
    level_codes,
    month_ends,
    new_teacher_months_for,
    new_teacher_since,
    required_rank_expression,
    schools_short_of_counsellors,
)
from .levels import eligibility_for_teacher, eligibility_records, level_list  # noqa: F401
from .pages import page_figures  # noqa: F401
from .rosters import (  # noqa: F401
    certificate_roster_list,
    training_hours_list,
    training_hours_rows,
)
