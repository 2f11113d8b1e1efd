"""Helpers of the /api/v1/budgets routes: streamed bodies decoded across reads, block ids."""
import io

import pytest

from services.common.errors import NotFound, ValidationFailed
from services.gateway.routes.budgets import _block_region, _pieces

TEXT = "region_code,district\nKZ-61,Қарабұлақ ауылдық округі\nKZ-10,Жарма ауданы\n"


@pytest.mark.parametrize("size", [1, 2, 3, 5, 64])
def test_body_pieces_never_cut_a_character(size):
    assert "".join(_pieces(io.BytesIO(TEXT.encode("utf-8")), size)) == TEXT


def test_a_body_that_is_not_utf8_is_400():
    with pytest.raises(ValidationFailed) as exc:
        list(_pieces(io.BytesIO("KZ-61,Қ".encode("utf-16")), 4))
    assert "body" in exc.value.details


@pytest.mark.parametrize("block_id, region", [("Health department|KZ-61|2025", "KZ-61"),
                                               ("Dept. of Health, Semey|KZ-10|2026", "KZ-10")])
def test_block_ids_name_their_region(block_id, region):
    assert _block_region(block_id) == region


@pytest.mark.parametrize("block_id", ["no-region", "body|KZ-99|2025", "body|2025"])
def test_block_ids_without_a_region_are_not_found(block_id):
    with pytest.raises(NotFound):
        _block_region(block_id)
