"""Shared fixtures of the test suite: SIMD paths and the hypothesis settings of the core tests."""

from __future__ import annotations

import contextlib
import os
from typing import Iterator

import pytest
from hypothesis import HealthCheck, settings

import deltaform

# For the core's property tests: few examples (the suite runs on a small
# shared machine; HYPOTHESIS_PROFILE=ci asks for more), no deadline (shared
# CPUs make timings noisy), and the SIMD-path fixture is meant to span all
# examples of a test. Applied per test, so other test files keep their own.
core_settings = settings(
    max_examples=200 if os.environ.get("HYPOTHESIS_PROFILE") == "ci" else 20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

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
