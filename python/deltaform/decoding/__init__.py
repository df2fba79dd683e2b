"""Decoding: from a vector back to a formula with a confidence on every node.

* :class:`Cleanup` — the clean-up memory: atoms and stored formulas a vector may
  be made of, searched exactly (the core's top-k) or by HNSW.
* :func:`decode`, :func:`decode_many` — the whole formula (:class:`Decoded`).
* :func:`query`, :func:`query_many` — what fills a role, or a stage of a flow.
* :func:`canonical_text` — compare formulas up to weights and bundle order.
* :func:`threshold` — the noise threshold (see :mod:`deltaform.decoding.noise`).
* :func:`memory_vocabulary` — a memory's atoms, formulas, roles and schemas as candidates.
"""

from deltaform.decoding.canonical import canonical, canonical_text, strip_weights
from deltaform.decoding.cleanup import Cleanup
from deltaform.decoding.decoder import decode, decode_many, query, query_many
from deltaform.decoding.noise import threshold
from deltaform.decoding.result import Decoded, Term
from deltaform.decoding.vocabulary import Vocabulary, memory_vocabulary

__all__ = [
    "Cleanup", "Decoded", "Term", "decode", "decode_many", "query", "query_many",
    "canonical", "canonical_text", "strip_weights", "threshold", "Vocabulary", "memory_vocabulary",
]
