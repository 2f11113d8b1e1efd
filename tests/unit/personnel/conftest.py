"""Fixtures of the personnel unit tests (the helpers live in ``world``)."""
import pytest

from tests.support.personnel_world import World


@pytest.fixture
def world():
    return World()
