"""Word embeddings to ground a space in: navec (Russian, ships inside natasha),
WordLlama (English, ships inside its wheel), or a word2vec text/binary file.

Nothing here downloads: every source is a file already on the machine.
"""

from __future__ import annotations

import hashlib
import os
from typing import Callable, Iterable, Sequence

import numpy as np

__all__ = ["Embeddings", "load_word2vec", "navec", "english"]


class Embeddings:
    """A word → vector table.

    ``source`` names where the vectors come from (it enters the grounding's
    fingerprint); ``words`` lists the vocabulary, most useful first where the
    source says so; ``lookup(words)`` gives an ``(n, d)`` float64 array with a
    row of NaN for each unknown word.
    """

    def __init__(self, source: str, dim: int, words: Sequence[str],
                 lookup: Callable[[Sequence[str]], np.ndarray], lang: str | None = None) -> None:
        self.source = source
        self.dim = int(dim)
        self.words = words
        self._lookup = lookup
        self.lang = lang

    def lookup(self, words: Sequence[str]) -> np.ndarray:
        out = np.asarray(self._lookup(list(words)), dtype=np.float64)
        if out.shape != (len(words), self.dim):
            raise ValueError(f"{self.source}: lookup gave shape {out.shape}, expected ({len(words)}, {self.dim})")
        return out

    def mean_direction(self, n: int = 5000) -> np.ndarray:
        """The mean of the unit vectors of the first ``n`` words (the source's common direction)."""
        if getattr(self, "_mean", None) is None:
            rows = self.lookup(list(self.words[:n]))
            rows = rows[~np.isnan(rows).any(axis=1)]
            norms = np.linalg.norm(rows, axis=1, keepdims=True)
            rows = rows[norms[:, 0] > 0] / norms[norms[:, 0] > 0]
            self._mean = rows.mean(axis=0) if len(rows) else np.zeros(self.dim)
        return self._mean

    def __repr__(self) -> str:
        return f"Embeddings({self.source!r}, dim={self.dim}, words={len(self.words)})"

    @classmethod
    def from_dict(cls, table: dict[str, Sequence[float]], source: str = "dict", lang: str | None = None) -> "Embeddings":
        """From a plain ``{word: vector}`` mapping (words are case-folded)."""
        words = [w.casefold() for w in table]
        if not words:
            raise ValueError("an embedding table needs at least one word")
        matrix = np.asarray([table[w] for w in table], dtype=np.float64)
        if matrix.ndim != 2:
            raise ValueError(f"embedding vectors must all have one length; got an array of shape {matrix.shape}")
        return cls._from_matrix(source, words, matrix, lang)

    @classmethod
    def _from_matrix(cls, source: str, words: list[str], matrix: np.ndarray, lang: str | None) -> "Embeddings":
        index: dict[str, int] = {}
        for i, w in enumerate(words):
            index.setdefault(w, i)
        nan_row = np.full(matrix.shape[1], np.nan)

        def lookup(ws: Sequence[str]) -> np.ndarray:
            return np.array([matrix[index[w]] if w in index else nan_row for w in ws]).reshape(len(ws), matrix.shape[1])

        return cls(source, matrix.shape[1], list(index), lookup, lang)


def _file_digest(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()[:16]


def load_word2vec(path: str | os.PathLike, binary: bool | None = None, limit: int | None = None,
                  lang: str | None = None) -> Embeddings:
    """A word2vec file: text (``n d`` header, then ``word v1 … vd`` lines) or
    binary (the same header, then ``word`` SPACE d little-endian float32).

    ``binary`` None guesses from the bytes after the header; ``limit`` keeps the
    first words only (files are usually sorted by frequency).
    """
    path = os.fspath(path)
    with open(path, "rb") as f:
        header = f.readline().decode("utf-8", "strict").split()
        if len(header) != 2 or not all(h.isdigit() for h in header):
            raise ValueError(f"{path}: line 1 must be '<count> <dim>' (word2vec format), got {' '.join(header)!r}")
        count, dim = int(header[0]), int(header[1])
        if dim < 1:
            raise ValueError(f"{path}: line 1 says dim {dim}; expected a positive dimension")
        n = count if limit is None else min(count, int(limit))
        body_start = f.tell()
        if binary is None:
            sample = f.read(4096)
            try:
                sample.decode("utf-8")
                binary = False
            except UnicodeDecodeError as e:
                binary = e.start < len(sample) - 4  # a cut multibyte character at the end is still text
            f.seek(body_start)
        words: list[str] = []
        matrix = np.empty((n, dim), dtype=np.float64)
        if binary:
            for i in range(n):
                word = bytearray()
                while True:
                    c = f.read(1)
                    if not c:
                        raise ValueError(f"{path}: ends inside entry {i + 1} of {count}")
                    if c == b" ":
                        break
                    if c != b"\n" or word:
                        word += c
                raw = f.read(4 * dim)
                if len(raw) != 4 * dim:
                    raise ValueError(f"{path}: entry {i + 1} ({word.decode('utf-8', 'replace')!r}) is cut short")
                words.append(word.decode("utf-8", "replace").casefold())
                matrix[i] = np.frombuffer(raw, dtype="<f4")
        else:
            for i in range(n):
                line = f.readline()
                if not line:
                    raise ValueError(f"{path}: has {i} entries, line 1 promised {count}")
                parts = line.decode("utf-8", "replace").rstrip().split(" ")
                if len(parts) != dim + 1:
                    raise ValueError(f"{path}: line {i + 2} has {len(parts) - 1} numbers, expected {dim}")
                words.append(parts[0].casefold())
                try:
                    matrix[i] = [float(x) for x in parts[1:]]
                except ValueError as e:
                    raise ValueError(f"{path}: line {i + 2}: {e}") from None
    source = f"word2vec:{os.path.basename(path)}:{_file_digest(path)}:{n}"
    return Embeddings._from_matrix(source, words, matrix, lang)


def navec() -> Embeddings:
    """The Russian navec news vectors (250K words, 300-d) that ship inside ``natasha``.

    ``words`` are the most frequent Russian words (wordfreq) that navec knows.
    """
    try:
        import natasha
        from navec import Navec
    except ImportError as e:
        raise ImportError("Russian grounding needs natasha (pip install 'deltaform[text]')") from e
    folder = os.path.join(os.path.dirname(natasha.__file__), "data", "emb")
    names = sorted(n for n in os.listdir(folder) if n.startswith("navec") and n.endswith(".tar")) if os.path.isdir(folder) else []
    if not names:
        raise FileNotFoundError(f"no navec archive in {folder}; reinstall natasha")
    model = Navec.load(os.path.join(folder, names[0]))
    # navec lists its words alphabetically; the vocabulary is given most frequent first
    from wordfreq import top_n_list

    words = [w for w in top_n_list("ru", 100_000) if w.isalpha() and w in model]
    dim = model.pq.dim

    def lookup(ws: Sequence[str]) -> np.ndarray:
        nan_row = np.full(dim, np.nan)
        return np.array([model[w] if w in model else nan_row for w in ws]).reshape(len(ws), dim)

    return Embeddings(f"navec:{names[0]}", dim, words, lookup, "ru")


def english() -> Embeddings:
    """English word vectors from WordLlama (its default model ships in the wheel).

    A word's vector is the model's embedding of that word alone.
    """
    try:
        from wordllama import WordLlama
        import wordllama
    except ImportError as e:
        raise ImportError("English grounding needs wordllama (pip install wordllama)") from e
    from pathlib import Path

    # The wheel ships the weights and the tokenizer; pointing the cache at the
    # package folder finds both there, and downloading is switched off.
    model = WordLlama.load(cache_dir=Path(wordllama.__file__).parent, disable_download=True)
    dim = int(model.embed(["word"]).shape[1])
    from wordfreq import top_n_list

    words = [w for w in top_n_list("en", 50_000) if w.isalpha()]

    def lookup(ws: Sequence[str]) -> np.ndarray:
        if not ws:
            return np.empty((0, dim))
        return np.asarray(model.embed(list(ws), norm=False), dtype=np.float64).reshape(len(ws), dim)

    version = getattr(wordllama, "__version__", "?")
    return Embeddings(f"wordllama:{version}:{dim}", dim, words, lookup, "en")


def as_embeddings(source: "Embeddings | str | os.PathLike | Iterable") -> Embeddings:
    """``"navec"``/``"ru"``, ``"wordllama"``/``"en"``, a word2vec path, a dict, or Embeddings."""
    if isinstance(source, Embeddings):
        return source
    if isinstance(source, dict):
        return Embeddings.from_dict(source)
    if isinstance(source, str) and source in ("navec", "ru"):
        return navec()
    if isinstance(source, str) and source in ("wordllama", "en"):
        return english()
    if isinstance(source, (str, os.PathLike)):
        if not os.path.exists(source):
            raise FileNotFoundError(f"embeddings {os.fspath(source)!r}: no such file (or use 'navec' / 'wordllama')")
        return load_word2vec(source)
    raise TypeError(f"cannot ground in a {type(source).__name__}; give Embeddings, a dict, a word2vec path, "
                    "'navec' or 'wordllama'")
