"""Bad or empty input: a clear error or "nothing recognised", never a crash; results print well."""

import numpy as np
import pytest

from deltaform import Space, ast, parse_expr
from deltaform.decoding import Cleanup, Decoded, decode, decode_many, query, query_many
from decode_support import words


@pytest.fixture(scope="module", params=["fhrr", "map", "bsc"])
def setting(request):
    space = Space(512, request.param, seed=2)
    return space, Cleanup(space, words(500))


def test_zero_vector_is_nothing(setting):
    space, cleanup = setting
    # (in bsc all-zero bits is the identity vector, unrelated to every atom: nothing either)
    d = decode(space, np.zeros(space.width, dtype=space.dtype), cleanup, fp_rate=1e-4)
    assert not d and d.formula is None and d.terms == () and d.confidence == {}
    assert "nothing recognised" in d.report()


def test_random_vector_is_nothing(setting):
    space, cleanup = setting
    v = space.random(1, seed=77)[0]
    d = decode(space, v, cleanup, fp_rate=1e-4)
    assert not d.recognised


@pytest.mark.parametrize("bad", ["width", "ndim"])
def test_wrong_shape(setting, bad):
    space, cleanup = setting
    v = np.zeros(space.width + 1, dtype=space.dtype) if bad == "width" else np.zeros((2, 2, space.width), space.dtype)
    with pytest.raises(ValueError, match="width"):
        decode(space, v, cleanup)
    with pytest.raises(ValueError, match="width"):
        decode_many(space, np.zeros((3, space.width + 8), dtype=space.dtype), cleanup)
    with pytest.raises(ValueError, match="width"):
        query(space, v, cleanup, role="r")


def test_not_finite(setting):
    space, cleanup = setting
    if space.algebra == "bsc":
        with pytest.raises(ValueError, match="uint8"):
            decode(space, np.zeros(space.width, dtype=np.float32), cleanup)
        return
    v = space.atom("w1").copy()
    v[3] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        decode(space, v, cleanup)
    v[3] = np.inf
    with pytest.raises(ValueError, match="index"):
        decode_many(space, np.stack([space.atom("w2"), v]), cleanup)


def test_empty_batch_and_empty_candidates(setting):
    space, cleanup = setting
    assert decode_many(space, np.zeros((0, space.width), dtype=space.dtype), cleanup) == []
    empty = Cleanup(space)
    assert not decode(space, space.atom("w1"), empty)
    assert decode(space, space.atom("w1"), cleanup).formula == ast.Atom("w1")


def test_bad_arguments(setting):
    space, cleanup = setting
    v = space.atom("w1")
    with pytest.raises(ValueError, match="fp_rate"):
        decode(space, v, cleanup, fp_rate=0.0)
    with pytest.raises(ValueError, match="max_depth"):
        decode(space, v, cleanup, max_depth=-1)
    with pytest.raises(TypeError, match="unknown decoding option"):
        decode(space, v, cleanup, shortlists=3)
    with pytest.raises(ValueError, match="exactly one"):
        query(space, v, cleanup)
    with pytest.raises(ValueError, match="exactly one"):
        query(space, v, cleanup, role="r", step=1)
    with pytest.raises(ValueError, match="step"):
        query(space, v, cleanup, step=-1)
    other = Space(512, space.algebra, seed=3)
    with pytest.raises(ValueError, match="belong"):
        decode(other, other.atom("w1"), cleanup)
    with pytest.raises(TypeError, match="Cleanup or an iterable"):
        decode(space, v, "w1")
    with pytest.raises(ValueError, match="exclude"):
        decode_many(space, np.stack([v, v]), cleanup, exclude=[[]])
    with pytest.raises(TypeError, match="Schema"):
        decode(space, v, cleanup, schemas=["сцена"])


def test_names_as_candidates_and_exclude():
    space = Space(512, "fhrr")
    v = space.encode(parse_expr("вода + огонь"))
    d = decode(space, v, ["вода", "огонь", "земля"])
    assert ast.to_text(d.formula) in ("вода + огонь", "огонь + вода")
    d = decode(space, v, ["вода", "огонь", "земля"], exclude=["огонь"])
    assert ast.to_text(d.formula) == "вода" and d.unexplained > 0.4 and not d.complete


def test_queries():
    space = Space(1024, "fhrr", seed=4)
    cleanup = Cleanup(space, words(800))
    roles = ["образ", "эмоция", "действие"]
    v = space.encode(parse_expr("образ: w1 + эмоция: (w2 + w3) + w4"))
    assert ast.to_text(query(space, v, cleanup, role="образ").formula) == "w1"
    filler = query(space, v, cleanup, role="эмоция")
    assert sorted(ast.to_text(t) for t in filler.formula.terms) == ["w2", "w3"]
    assert not query(space, v, cleanup, role="действие")
    flow = space.encode(parse_expr("w4 → w5 + w7 → w6"))
    stages = query_many(space, np.stack([flow, flow]), cleanup, step=1)
    assert all(sorted(ast.to_text(t) for t in s.formula.terms) == ["w5", "w7"] for s in stages)
    assert ast.to_text(query(space, flow, cleanup, step=2).formula) == "w6"
    assert not query(space, flow, cleanup, step=3)
    whole = decode(space, v, cleanup, roles=roles)
    assert whole.complete and ast.to_text(whole.formula) == "образ: w1 + эмоция: (w2 + w3) + w4"


def test_printing_and_paths():
    space = Space(1024, "fhrr", seed=4)
    cleanup = Cleanup(space, words(300))
    f = parse_expr("роль: (w1 + 0.5*w2) - w3 + w4")
    d = decode(space, space.encode(f), cleanup, roles=["роль"])
    assert isinstance(d, Decoded) and d.complete
    text = d.text()
    assert "⟨1.00⟩" in text and "роль: " in text and " - w3" in text
    assert d.text(confidence=False) == ast.to_text(d.formula)
    paths = {p for p, _, _ in d.nodes()}
    assert paths == set(d.confidence)
    for path, node, c in d.nodes():
        assert d.node(path) == node and 0.0 <= c <= 1.0
    assert d.confidence[()] == pytest.approx(np.prod([t.confidence for t in d.terms]))
    assert "unexplained" in d.report()
