"""The codebook: atom vectors are a pure, pinned function of (algebra, dim, seed, name)."""

from __future__ import annotations

import unicodedata

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import deltaform
import reference_numpy as R
from conftest import core_settings

NAMES = ["вода", "огонь", "объект", "ёжик", "water", "fire", "object", "Hello, world", "a", "", "水", "x y z"]


def assert_atom_matches_reference(algebra: str, got: np.ndarray, want: np.ndarray) -> None:
    """map and bsc exactly; fhrr to float32 rounding of numpy's cos/sin (the
    core uses its own fixed polynomial in double, so the last bit may differ)."""
    if algebra != "fhrr":
        R.assert_bits_equal(got, want, "atom")
        return
    assert got.dtype == np.float32 and got.shape == want.shape
    ulp = np.spacing(np.abs(want))
    err = np.abs(got.astype(np.float64) - want.astype(np.float64))
    # one float32 ulp, or a few double ulps near a zero of cos/sin where numpy's
    # own argument 2*pi*u carries an absolute error of about 1e-16
    assert np.all((err <= ulp) | (err <= 1e-15)), f"max error {err.max()} at {err.argmax()}"


# ------------------------------------------------------------------ version and golden values

def test_codebook_version_is_one() -> None:
    assert deltaform.CODEBOOK_VERSION == 1
    assert deltaform.Space(64, "map").codebook_version == 1


# First components of atoms of Space(dim=1024, seed=0), taken from the core and
# checked against the numpy reference. If one of these changes, stored memories
# no longer decode: bump CODEBOOK_VERSION together with these values.
GOLDEN_FHRR_RE = {
    "вода": [0.9921993613243103, 0.4908702075481415, 0.967624306678772, -0.7857476472854614,
             -0.6469364762306213, -0.8554555773735046, -0.8127859830856323, 0.3272099196910858],
    "огонь": [-0.6991274356842041, 0.9603508114814758, 0.40617790818214417, -0.993348240852356,
              0.5743834972381592, 0.19144371151924133, -0.2369401603937149, 0.15475134551525116],
    "water": [-0.16097389161586761, 0.6948545575141907, -0.7449652552604675, 0.9070504903793335,
              0.9688845276832581, -0.7515859603881836, -0.07363519072532654, -0.0036622548941522837],
    "fire": [-0.6549041867256165, -0.41382378339767456, 0.8706701397895813, 0.7076767086982727,
             0.5410447120666504, 0.7959890961647034, -0.7066445350646973, -0.971868634223938],
}
GOLDEN_FHRR_IM = {
    "вода": [-0.1246614009141922, -0.8712326884269714, 0.25239482522010803, -0.6185472011566162,
             -0.7625439167022705, 0.5178762078285217, -0.5825624465942383, 0.9449516534805298],
    "water": [0.9869586825370789, -0.7191503047943115, -0.6671032309532166, 0.4210219085216522,
              0.24751321971416473, 0.6596351265907288, -0.9972852468490601, 0.9999932646751404],
}
GOLDEN_MAP = {
    "вода": [-1, 1, -1, 1, -1, 1, 1, 1],
    "огонь": [-1, -1, -1, 1, 1, -1, 1, -1],
    "water": [-1, 1, -1, -1, -1, -1, 1, 1],
    "fire": [-1, 1, 1, 1, 1, -1, -1, -1],
}
# bsc: the first 8 bytes (components 0..63, component j = bit j%8 of byte j/8)
GOLDEN_BSC = {
    "вода": [120, 56, 25, 180, 142, 53, 73, 202],
    "огонь": [79, 209, 64, 81, 120, 171, 88, 12],
    "water": [18, 194, 141, 143, 30, 52, 82, 55],
    "fire": [194, 233, 24, 127, 70, 28, 212, 124],
}
# another dim and seed: both enter the salt
GOLDEN_FHRR_256_SEED42_RE = {
    "вода": [0.5923516154289246, 0.7413710951805115, 0.6899446249008179, -0.9502143263816833,
             0.1770385205745697, 0.9241466522216797, 0.7127894759178162, 0.6294185519218445],
}


@pytest.mark.parametrize("name", sorted(GOLDEN_FHRR_RE))
def test_golden_fhrr(name: str) -> None:
    v = deltaform.Space(1024, "fhrr").atom(name)
    want_re = np.array(GOLDEN_FHRR_RE[name], np.float32)
    R.assert_bits_equal(v[:8], want_re, f"fhrr {name} re")
    assert_atom_matches_reference("fhrr", want_re, R.atom("fhrr", 1024, 0, name)[:8])
    if name in GOLDEN_FHRR_IM:
        want_im = np.array(GOLDEN_FHRR_IM[name], np.float32)
        R.assert_bits_equal(v[1024:1032], want_im, f"fhrr {name} im")
        assert_atom_matches_reference("fhrr", want_im, R.atom("fhrr", 1024, 0, name)[1024:1032])


def test_golden_fhrr_other_dim_and_seed() -> None:
    want = np.array(GOLDEN_FHRR_256_SEED42_RE["вода"], np.float32)
    R.assert_bits_equal(deltaform.Space(256, "fhrr", seed=42).atom("вода")[:8], want, "fhrr 256/42")
    assert_atom_matches_reference("fhrr", want, R.atom("fhrr", 256, 42, "вода")[:8])


@pytest.mark.parametrize("name", sorted(GOLDEN_MAP))
def test_golden_map(name: str) -> None:
    want = np.array(GOLDEN_MAP[name], np.float32)
    R.assert_bits_equal(deltaform.Space(1024, "map").atom(name)[:8], want, f"map {name}")
    R.assert_bits_equal(R.atom("map", 1024, 0, name)[:8], want, f"reference map {name}")


@pytest.mark.parametrize("name", sorted(GOLDEN_BSC))
def test_golden_bsc(name: str) -> None:
    want = np.array(GOLDEN_BSC[name], np.uint8)
    R.assert_bits_equal(deltaform.Space(1024, "bsc").atom(name)[:8], want, f"bsc {name}")
    R.assert_bits_equal(R.atom("bsc", 1024, 0, name)[:8], want, f"reference bsc {name}")


# ------------------------------------------------------------------ the reference reproduces the core

@pytest.mark.parametrize("algebra", ["fhrr", "map", "bsc"])
@pytest.mark.parametrize("dim,seed", [(64, 0), (1024, 0), (1024, 7), (192, 2**64 - 1)])
def test_atoms_match_reference(algebra: str, dim: int, seed: int) -> None:
    space = deltaform.Space(dim, algebra, seed=seed)
    batch = space.atoms(NAMES)
    assert batch.shape == (len(NAMES), space.width) and batch.dtype == space.dtype
    for i, name in enumerate(NAMES):
        want = R.atom(algebra, dim, seed, name)
        assert_atom_matches_reference(algebra, batch[i], want)
        R.assert_bits_equal(space.atom(name), batch[i], f"atom({name!r}) vs atoms()[{i}]")


@pytest.mark.parametrize("algebra", ["fhrr", "map"])
@pytest.mark.parametrize("dim", [1, 3, 100, 1000])
def test_atoms_odd_dims_match_reference(algebra: str, dim: int) -> None:
    space = deltaform.Space(dim, algebra, seed=5)
    for name in ["вода", "water"]:
        assert_atom_matches_reference(algebra, space.atom(name), R.atom(algebra, dim, 5, name))


@core_settings
@given(name=st.text(max_size=12), seed=st.integers(0, 2**64 - 1))
def test_any_name_matches_reference(name: str, seed: int) -> None:
    for algebra, dim in [("map", 100), ("bsc", 128), ("fhrr", 32)]:
        got = deltaform.Space(dim, algebra, seed=seed).atom(name)
        assert_atom_matches_reference(algebra, got, R.atom(algebra, dim, seed, name))


@pytest.mark.parametrize("algebra", ["fhrr", "map", "bsc"])
def test_random_matches_reference(algebra: str) -> None:
    space = deltaform.Space(256, algebra, seed=11)
    for seed in (0, 3):
        got = space.random(6, seed=seed)
        want = R.random_vectors(algebra, 256, 11, seed, 6)
        for i in range(6):
            assert_atom_matches_reference(algebra, got[i], want[i])
    assert space.random(0).shape == (0, space.width)


def test_fhrr_atoms_are_unit_phasors() -> None:
    v = deltaform.Space(1000, "fhrr").atoms(NAMES).astype(np.float64)
    modulus = v[:, :1000] ** 2 + v[:, 1000:] ** 2
    np.testing.assert_allclose(modulus, 1.0, atol=1e-6)


# ------------------------------------------------------------------ name identity

SAME_NAMES = [
    ("Вода", "вода"),
    ("ВОДА", "вода"),
    ("Water", "water"),
    ("WATER", "water"),
    ("\u0439", "\u0438\u0306"),              # й composed vs и + combining breve
    ("\u0419", "\u0438\u0306"),              # Й vs decomposed й
    ("ёж", "\u0435\u0308ж"),                 # ё composed vs е + combining diaeresis
    ("Straße", "STRASSE"),                   # full case folding: ß -> ss
    ("ﬁre", "FIRE"),                         # ligature fi folds to f i
]


@pytest.mark.parametrize("algebra", ["fhrr", "map", "bsc"])
@pytest.mark.parametrize("a,b", SAME_NAMES)
def test_equivalent_names_share_a_vector(algebra: str, a: str, b: str) -> None:
    assert R.normalize_name(a) == R.normalize_name(b)
    space = deltaform.Space(128, algebra)
    va, vb = space.atoms([a, b])
    R.assert_bits_equal(va, vb, f"{a!r} vs {b!r}")
    assert_atom_matches_reference(algebra, va, R.atom(algebra, 128, 0, b))


@pytest.mark.parametrize("algebra", ["fhrr", "map", "bsc"])
def test_distinct_names_get_distinct_vectors(algebra: str) -> None:
    names = ["вода", "воды", "вода ", "water", "waters", "й", "и", "е", "ё"]
    assert len({R.normalize_name(n) for n in names}) == len(names)
    space = deltaform.Space(256, algebra)
    v = space.atoms(names)
    sims = np.array([[space.similarity(v[i], v[j]) for j in range(len(names))] for i in range(len(names))])
    off = sims[~np.eye(len(names), dtype=bool)]
    assert np.all(np.abs(off) < 0.35), f"unrelated atoms too similar: {off.max()}"
    np.testing.assert_allclose(np.diag(sims), 1.0, atol=1e-6)


def test_the_core_normalises_like_unicodedata() -> None:
    # the decomposed form is not NFC, and the core must not hash it raw
    decomposed = "\u0438\u0306"
    assert unicodedata.normalize("NFC", decomposed) == "\u0439"
    h_raw = R.fnv1a64(decomposed.encode())
    h_norm = R.fnv1a64("\u0439".encode())
    assert h_raw != h_norm
    got = deltaform.Space(64, "bsc").atom(decomposed)
    want_raw = R.vector_from_key("bsc", 64, R.atom_key("bsc", 64, 0, h_raw))
    assert not np.array_equal(got, want_raw)


@pytest.mark.parametrize("algebra", ["fhrr", "map", "bsc"])
def test_atoms_depend_on_algebra_dim_and_seed(algebra: str) -> None:
    base = deltaform.Space(128, algebra, seed=0).atom("вода")
    assert not np.array_equal(base, deltaform.Space(128, algebra, seed=1).atom("вода"))
    other_dim = deltaform.Space(192, algebra, seed=0).atom("вода")
    assert not np.array_equal(base[:8], other_dim[:8])
    # the same name twice, in fresh spaces, is the same vector (pure function)
    R.assert_bits_equal(base, deltaform.Space(128, algebra, seed=0).atom("вода"), "repeat")
