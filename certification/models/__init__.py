"""Certification data: the hours ledger, levels and certificates, and counsellors' workload."""

from .certificates import *  # noqa: F401,F403
from .ledger import *  # noqa: F401,F403
from .targets import *  # noqa: F401,F403
from .workload import *  # noqa: F401,F403
from .declarations import *  # noqa: F401,F403
from .figures import *  # noqa: F401,F403
from .records import *  # noqa: F401,F403
from .calendar import *  # noqa: F401,F403
from .policies import *  # noqa: F401,F403
from .reach import *  # noqa: F401,F403
