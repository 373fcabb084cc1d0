"""Fixtures of the bulk tests: the mixed input folder (bulk_helpers.make_mixed_input)."""

from __future__ import annotations

import pytest

from bulk_helpers import make_mixed_input


@pytest.fixture()
def mixed_input(tmp_path):
    return make_mixed_input(tmp_path)
