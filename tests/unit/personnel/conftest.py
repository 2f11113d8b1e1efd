"""Fixtures of the personnel unit tests (the helpers live in ``world``)."""
import pytest

from tests.unit.personnel.world import World


@pytest.fixture
def world():
    return World()
