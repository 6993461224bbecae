"""Learning content (Wagtail pages) and the learning records kept about it."""

from . import pages
from .categories import *
from .events import *
from .pages import *
from .records import *

# The events section is a learning section too: one review workflow covers all of them.
LEARNING_SECTION_MODELS = (*pages.LEARNING_SECTION_MODELS, EventIndexPage)
from .courseware import *
from .reach import *
