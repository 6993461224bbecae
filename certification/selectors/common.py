"""What the certification reads share."""

from people.models import StaffRole

# Who reads rosters, rates and the dashboard: HR, and school admins for their school.
ROSTER_ROLES = (*StaffRole.HR_ROLES, StaffRole.Role.SCHOOL_ADMIN)
