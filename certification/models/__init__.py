"""Certification data: the hours ledger, levels and certificates, and counsellors' workload."""

from .calendar import *
from .certificates import *
from .declarations import *
from .figures import *
from .ledger import *
from .policies import *
from .reach import *
from .records import *
from .targets import *
from .workload import *
