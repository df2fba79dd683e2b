"""Shared fixtures of the test suite: SIMD paths and a fast hypothesis profile."""

from __future__ import annotations

import contextlib
from typing import Iterator

import pytest
from hypothesis import HealthCheck, settings

import deltaform

# Few examples each: the suite runs on a small shared machine. CI may raise it
# with HYPOTHESIS_PROFILE=ci.
settings.register_profile(
    "default", max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
settings.register_profile(
    "ci", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
settings.load_profile(__import__("os").environ.get("HYPOTHESIS_PROFILE", "default"))

SIMD_PATHS = deltaform.supported_simd_paths()


@contextlib.contextmanager
def using_simd(path: str) -> Iterator[str]:
    """Force a SIMD path for the block, then restore the one that was active."""
    before = deltaform.simd_path()
    deltaform.set_simd_path(path)
    try:
        assert deltaform.simd_path() == path
        yield path
    finally:
        deltaform.set_simd_path(before)


@pytest.fixture(params=SIMD_PATHS)
def simd_path(request: pytest.FixtureRequest) -> Iterator[str]:
    """Runs the test once per SIMD path this machine supports."""
    with using_simd(request.param) as path:
        yield path
