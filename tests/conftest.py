import pytest

from tests import factories


@pytest.fixture
def tree(db):
    """The small city of tests.factories.city_tree()."""
    return factories.city_tree()


@pytest.fixture
def teacher_a(tree):
    """A subject teacher of school A (district X)."""
    return factories.TeacherFactory(school=tree["school_a"])


@pytest.fixture
def teacher_b(tree):
    """A subject teacher of school B (district Y)."""
    return factories.TeacherFactory(school=tree["school_b"])
