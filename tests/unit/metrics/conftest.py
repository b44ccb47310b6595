"""Fixtures for the metrics tests: the gzip inflater the All Orders readers use."""

from __future__ import annotations

import zlib

import pytest

import sp_cancel.metrics._inflate as inflate_module


@pytest.fixture(params=["isal", "zlib"])
def inflater(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run the test with ISA-L's inflater (the ``fast`` extra) and again with the stdlib's zlib (the fallback)."""
    if request.param == "isal":
        pytest.importorskip("isal", reason="the fast extra's isal is not installed")
        assert inflate_module.inflater_name() == "isal"  # importable, so it is the one used
    else:
        monkeypatch.setattr(inflate_module, "_zlib", zlib)
        assert inflate_module.inflater_name() == "zlib"
    return str(request.param)
