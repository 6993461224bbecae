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


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache: rate-limit counters must not leak between tests."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
