"""Large result arrays reuse the blocks of freed ones (deltaform.result_memory)."""

import numpy as np
import pytest

import deltaform as df

# 2 100 rows of fhrr 1024 (8 KiB each): above the 16 MiB where results come from kept blocks.
ROWS = 2100


@pytest.fixture
def space():
    return df.Space(1024, "fhrr")


@pytest.fixture
def records(space):
    rng = np.random.default_rng(3)
    ids = space.atom_ids([f"a{i}" for i in range(40)])
    roles = ids[rng.integers(0, 8, size=(ROWS, 3))].astype(np.uint32)
    fillers = ids[rng.integers(8, 40, size=(ROWS, 3))].astype(np.uint32)
    return roles, fillers


@pytest.fixture(autouse=True)
def fresh_keeper():
    df.release_kept_results()
    limit = df.set_kept_result_limit(1 << 30)
    yield
    df.set_kept_result_limit(limit)
    df.release_kept_results()


def test_a_freed_result_is_kept_and_reused(space, records):
    first = space.encode_records(*records)
    want = first.copy()
    address = first.ctypes.data
    assert first.ctypes.data % 64 == 0 and first.flags.c_contiguous and first.flags.writeable
    del first
    nbytes, blocks = df.kept_results()
    assert blocks == 1 and nbytes >= want.nbytes
    again = space.encode_records(*records)
    assert again.ctypes.data == address
    assert df.kept_results() == (0, 0)
    np.testing.assert_array_equal(again, want)


def test_results_alive_at_once_never_share_a_block(space, records):
    a = space.encode_records(*records)
    b = space.encode_records(records[0], records[1][::-1].copy())
    assert not np.shares_memory(a, b)
    np.testing.assert_array_equal(a, space.encode_records(*records))
    assert df.kept_results()[1] == 1  # the comparison's temporary, freed


def test_a_reused_block_gets_zero_rows_for_failed_formulas(space):
    lines = [f"образ: w{i} + эмоция: v{i % 7}" for i in range(ROWS)]
    dirty = space.encode_many(lines)
    assert np.abs(dirty).min(axis=1).max() > 0  # every row nonzero
    del dirty
    bad = list(lines)
    bad[5] = "образ: + оops"          # a parse error
    bad[700] = "Δ404 + вода"          # an unknown reference: fails in the encoder
    got = space.encode_many(bad, errors="zero")
    assert df.kept_results() == (0, 0)  # it did take the kept block
    assert not got[5].any() and not got[700].any()
    np.testing.assert_array_equal(got[6], space.encode(lines[6]))


def test_small_results_do_not_use_kept_blocks(space, records):
    small = space.encode_records(records[0][:100], records[1][:100])
    del small
    assert df.kept_results() == (0, 0)


def test_the_limit_bounds_what_is_kept(space, records):
    assert df.set_kept_result_limit(0) == 1 << 30
    r = space.encode_records(*records)
    del r
    assert df.kept_results() == (0, 0)
    df.set_kept_result_limit(1 << 30)
    r1, r2 = space.encode_records(*records), space.encode_records(*records)
    one_block = r1.nbytes
    del r1, r2
    nbytes, blocks = df.kept_results()
    assert blocks == 2
    df.set_kept_result_limit(nbytes - 1)  # the oldest block goes at once
    assert df.kept_results()[1] == 1
    assert df.release_kept_results() >= one_block
    assert df.kept_results() == (0, 0)


def test_a_block_far_larger_than_the_need_is_not_taken(space, records):
    big = space.encode_records(np.repeat(records[0], 3, axis=0), np.repeat(records[1], 3, axis=0))
    del big
    assert df.kept_results()[1] == 1
    r = space.encode_records(*records)  # a third of the kept block: a new block instead
    assert df.kept_results()[1] == 1
    assert r.shape == (ROWS, space.width)


@pytest.mark.parametrize("value, error", [(-1, ValueError), (1 << 64, ValueError), (1.5, TypeError),
                                          ("1", TypeError)])
def test_bad_limits_are_refused(value, error):
    with pytest.raises(error, match="set_kept_result_limit"):
        df.set_kept_result_limit(value)
