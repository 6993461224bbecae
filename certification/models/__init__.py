"""Certification data: the hours ledger, levels and certificates, and counsellors' workload."""

from .certificates import *
from .ledger import *
from .targets import *
from .workload import *
from .declarations import *
from .figures import *
from .records import *
from .calendar import *
from .policies import *
from .reach import *
