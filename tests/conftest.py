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
def _migrated_rows(request):
    """A transactional test starts from the tables an earlier one flushed: it gets the rows the
    data migrations wrote back first (every ledger line needs its hour category, every
    certificate its level)."""
    marker = request.node.get_closest_marker("django_db")
    if (marker is not None and marker.kwargs.get("transaction")) \
            or "transactional_db" in request.fixturenames:
        request.getfixturevalue("transactional_db")
        from tests.migrated import migrated_data_restore

        migrated_data_restore()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache: rate-limit counters must not leak between tests."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the site's default language: a page asked for in English activates
    English in the thread (LocaleMiddleware leaves it), which must not reach the next test."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(scope="session")
def signing_pair(tmp_path_factory):
    """A self-signed authority key and certificate of the test run's own (certificate PDFs)."""
    from certification.signing import self_signed_pair_make

    folder = tmp_path_factory.mktemp("signing")
    key, cert = folder / "authority-key.pem", folder / "authority-cert.pem"
    self_signed_pair_make(key_path=key, cert_path=cert, common_name="测试教育局 (test)")
    return key, cert


@pytest.fixture(autouse=True)
def _signing_key(signing_pair, settings):
    settings.CERTIFICATE_SIGNING_KEY, settings.CERTIFICATE_SIGNING_CERT = map(str, signing_pair)
    settings.CERTIFICATE_SIGNING_SELF_SIGNED = False
