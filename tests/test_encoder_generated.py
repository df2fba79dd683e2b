"""Generated programs: the core encoder equals the numpy reference bit for bit,
statement by statement, in every algebra; what the reference refuses (weights
that overflow float32) the encoder refuses too."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, assume, given, settings

import deltaform as df
from deltaform.ast import to_text
from encode_helpers import ALGEBRA_SPACES, assert_matches_reference, assert_same_bits
from encode_strategies import programs

SETTINGS = settings(max_examples=30, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.mark.parametrize("algebra,dim", ALGEBRA_SPACES + [("fhrr", 13)])
@SETTINGS
@given(program=programs())
def test_generated_programs_match_reference(algebra, dim, program):
    lines = [to_text(s) for s in program]
    assume(not any("\r" in line for line in lines))  # one formula per item: a quoted CR is a line break here
    assert_matches_reference(df.Space(dim, algebra, seed=11), lines)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(program=programs(max_definitions=3, max_formulas=3))
def test_generated_programs_same_bits_on_every_path_and_thread_count(program):
    lines = [to_text(s) for s in program]
    assume(not any("\r" in line for line in lines))
    space = df.Space(64, "fhrr")
    before = df.simd_path()
    try:
        want = space.encode_many(lines, errors="zero", threads=1)
        for path in df.supported_simd_paths():
            df.set_simd_path(path)
            assert_same_bits(space.encode_many(lines, errors="zero", threads=2), want, path)
    finally:
        df.set_simd_path(before)
