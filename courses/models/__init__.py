"""Learning content (Wagtail pages) and the learning records kept about it."""

from .pages import *  # noqa: F401,F403
from .records import *  # noqa: F401,F403
