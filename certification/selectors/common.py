"""What the certification reads share."""

from people import purposes

# Who reads rosters, rates and the dashboard: HR, and school admins for their school.
ROSTER_ROLES = purposes.CERTIFICATE_ROSTER
