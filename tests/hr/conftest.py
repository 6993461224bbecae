import pytest

from tests import factories


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    """Job files go to a fresh folder per test."""
    settings.STORAGES = {**settings.STORAGES, "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None}}}
    return tmp_path / "private"


@pytest.fixture
def hr_x(tree):
    """District HR of district X."""
    return factories.district_hr(tree["district_x"])


@pytest.fixture
def hr_y(tree):
    """District HR of district Y."""
    return factories.district_hr(tree["district_y"])
