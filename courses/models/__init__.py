"""Learning content (Wagtail pages) and the learning records kept about it."""

from . import pages
from .categories import *  # noqa: F401,F403
from .pages import *  # noqa: F401,F403
from .records import *  # noqa: F401,F403
from .events import *  # noqa: F401,F403

# The events section is a learning section too: one review workflow covers all of them.
LEARNING_SECTION_MODELS = (*pages.LEARNING_SECTION_MODELS, EventIndexPage)  # noqa: F405
from .reach import *  # noqa: F401,F403
from .courseware import *  # noqa: F401,F403,E402
