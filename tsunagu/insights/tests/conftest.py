import pytest

from tsunagu.navigator.tests.conftest import load_test_city


@pytest.fixture
def city(tmp_path):
    """The navigator's test city, loaded through the real profile loader."""
    return load_test_city(tmp_path)
