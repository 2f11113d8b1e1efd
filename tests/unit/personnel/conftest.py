"""Fixtures of the personnel unit tests (the helpers live in ``personnel_world``)."""
import pytest

from personnel_world import World


@pytest.fixture
def world():
    return World()
