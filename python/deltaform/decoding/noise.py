"""How similar an unrelated candidate looks by chance, and the threshold that follows.

The noise model
---------------
Take a query ``q`` (a vector being decoded, or what is left of it) and a
candidate ``c`` that has nothing to do with it: a codebook atom, or an atom bound
to a role, drawn independently of ``q``. Their similarity is a sum of ``D``
independent, zero-mean terms, so by the central limit theorem it is close to
normal with mean 0 and variance ``1/D``:

* map and bsc (±1 per component, ``D = dim``): ``Σ q_k c_k / (‖q‖ √dim)`` has
  variance ``Σ q_k² / (‖q‖² dim) = 1/dim``.
* fhrr (unit phasors, similarity ``Re⟨q, c̄⟩/(‖q‖‖c‖)``): each component adds
  ``Re(q_k e^{-iθ_k})`` with a uniform phase, of variance ``|q_k|²/2``, so the
  variance is ``1/(2·dim)``: an fhrr vector has ``D = 2·dim`` real degrees of
  freedom (its storage is ``2·dim`` floats).

So ``σ = 1/√D``. This holds whatever ``q`` is, including a residual after
explaining away, because only ``c`` is random.

The threshold
-------------
A decoder searches ``N`` candidates (every candidate under every key it probes)
and looks at the *absolute* similarity, since a term may enter a bundle with
sign -1. The best of ``N`` unrelated similarities is about ``σ·√(2 ln 2N)``:
the familiar ``√(2 ln N / dim)`` for map, ``√(ln N / dim)`` for fhrr, up to the
factor 2 of the two signs. To turn that into a rule with a known error rate we
use the union bound: the chance that *any* of the ``N`` unrelated candidates
reaches ``|s| ≥ τ`` is at most ``2N·Q(τ/σ)``, ``Q`` the standard normal upper
tail. Asking that to be ``α``:

    τ = σ · z,   z = Q⁻¹(α / 2N)

``α`` is the false-positive rate: the probability that a decode whose vector
holds nothing more (pure noise is left) keeps one spurious term. The union
bound over nearly independent candidates is tight for small ``α`` (the true
rate is ``1-(1-α/2N)^{2N} ≈ α``; measured on pure noise it is within a few
percent of ``α``). ``z`` grows only like ``√(2 ln(2N/α))``: for N = 10 000
and α = 10⁻³, ``z = 5.33`` against ``√(2 ln N) = 4.29`` — a margin of 1.24;
for α = 10⁻², ``z = 4.89``, a margin of 1.14.

Confidence
----------
A term's evidence is its explained-away similarity ``t``: its similarity to what
is left of the vector once every other chosen term is subtracted. Its confidence
is ``1 − min(1, 2N·Q(|t|/σ))``: one minus the chance that the best of ``N``
unrelated candidates would match at least as well (in either sign). A term
exactly at the threshold has confidence ``1 − α``; a term of a noise-free
vector has ``t = 1`` and confidence 1.
"""

from __future__ import annotations

import functools
import math

import numpy as np

__all__ = ["degrees_of_freedom", "noise_sigma", "upper_tail", "inverse_upper_tail", "threshold", "confidence"]


def degrees_of_freedom(algebra: str, dim: int) -> int:
    """``D``: real components a similarity sums over (``2·dim`` for fhrr, ``dim`` otherwise)."""
    return 2 * dim if algebra == "fhrr" else dim


def noise_sigma(algebra: str, dim: int) -> float:
    """Standard deviation of the similarity of two unrelated vectors: ``1/√D``."""
    return 1.0 / math.sqrt(degrees_of_freedom(algebra, dim))


def upper_tail(z: np.ndarray | float) -> np.ndarray | float:
    """``Q(z) = P(Z > z)`` for a standard normal Z."""
    if np.isscalar(z):
        return 0.5 * math.erfc(float(z) / math.sqrt(2.0))
    return 0.5 * _erfc(np.asarray(z, dtype=np.float64) / math.sqrt(2.0))


def _erfc(x: np.ndarray) -> np.ndarray:
    """``erfc`` element-wise (math.erfc per element: arrays here are a formula's few terms)."""
    return np.array([math.erfc(v) for v in x.reshape(-1).tolist()], dtype=np.float64).reshape(x.shape)


def inverse_upper_tail(p: float) -> float:
    """``z`` with ``Q(z) = p``, for ``0 < p < 1`` (Newton's method on ``log Q``)."""
    if not 0.0 < p < 1.0:
        raise ValueError(f"a tail probability is in (0, 1), got {p!r}")
    if p > 0.5:
        return -inverse_upper_tail(1.0 - p)
    # Start from the asymptotic expansion, then refine on log Q (well scaled even for p ~ 1e-300).
    t = math.sqrt(-2.0 * math.log(p))
    z = t - (2.515517 + 0.802853 * t + 0.010328 * t * t) / (1 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t**3)
    log_p = math.log(p)
    for _ in range(50):
        q = upper_tail(z)
        if q <= 0.0:
            break
        density = math.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)
        step = (math.log(q) - log_p) / (density / q)
        z += step
        if abs(step) < 1e-12 * max(1.0, abs(z)):
            break
    return z


def threshold(algebra: str, dim: int, candidates: int, fp_rate: float) -> float:
    """The similarity an unrelated candidate reaches with probability at most ``fp_rate``, among ``candidates``."""
    if candidates < 1:
        candidates = 1
    if not 0.0 < fp_rate < 1.0:
        raise ValueError(f"fp_rate must be in (0, 1), got {fp_rate!r}")
    return _threshold(algebra, int(dim), int(candidates), float(fp_rate))


@functools.lru_cache(maxsize=4096)
def _threshold(algebra: str, dim: int, candidates: int, fp_rate: float) -> float:
    # A batch asks for the same few (candidates, rate) pairs over and over: Newton's method runs once each.
    return noise_sigma(algebra, dim) * inverse_upper_tail(min(0.5, fp_rate / (2 * candidates)))


def confidence(similarity: np.ndarray | float, algebra: str, dim: int, candidates: int) -> np.ndarray | float:
    """``1 − min(1, 2N·Q(|t|/σ))`` for evidence similarities ``t`` (see the module notes)."""
    sigma = noise_sigma(algebra, dim)
    p = np.minimum(1.0, 2 * max(candidates, 1) * upper_tail(np.abs(np.asarray(similarity, dtype=np.float64)) / sigma))
    out = 1.0 - p
    return float(out) if np.ndim(out) == 0 else out
