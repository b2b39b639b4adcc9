"""In-memory BM25 over one cube's lexical terms: the fast path of lexical search.

FTS5 ranks every document holding any query term: at 100k memories in one cube a typical query
matches ~3,000 of them and `ORDER BY rank` costs ~6 ms, plus ~0.5 ms per statement through the async
database stack. The same Okapi BM25 as FTS5's `bm25()` (k1 1.2, b 0.75, its idf) over postings arrays
held in memory costs well under a millisecond. FTS5 stays the stored index (and the path for filters
these postings cannot answer); the postings are built from it off the event loop the first time a cube
is searched and then follow every committed write.

Documents are the FTS rows' `terms` split the way FTS5's unicode61 tokenizer splits them (lower-cased
runs of letters and digits), so both paths see the same words.
"""

from __future__ import annotations

import re
import threading
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from itertools import chain

import numpy as np

K1, B = 1.2, 0.75
BUILD_CHUNK = 4096  # documents tokenized at a time while building
MAX_TERMS = 8  # a long query keeps its most selective terms, as memory.index.lexical does
_PIECE = re.compile(r"[^\W_]+")
DocRow = tuple[int, str, str]  # (label, space-joined terms, scope tokens) as stored in memory_fts


def pieces(text: str) -> list[str]:
    """Words of an FTS document or query term, as unicode61 would index them."""
    return _PIECE.findall(text.lower())


def user_token_of(scope: str) -> str:
    """The user token of a memory_fts `scope` value ("t… c… u…"); "" for memories without a user."""
    parts = scope.split()
    return parts[2] if len(parts) > 2 else ""


class LexicalPostings:
    """Postings of one cube: compressed arrays for the bulk, a small delta for recent writes.

    Thread-safe: searches run in worker threads while writes are applied on the event loop.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._vocab: dict[str, int] = {}
        self._ptr = np.zeros(1, np.int64)  # term id -> slice of _docs/_tfs (terms known at the last merge)
        self._docs = np.empty(0, np.int32)
        self._tfs = np.empty(0, np.float32)
        self._delta: defaultdict[int, list[tuple[int, int]]] = defaultdict(list)
        self._delta_n = 0
        # term id -> its bulk and delta postings joined, kept until the term's delta grows: a live
        # cube carries up to 1/8 of its postings in the delta, and joining them per search doubled BM25
        self._joined: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._labels = np.empty(1024, np.int64)
        self._len = np.empty(1024, np.float32)
        self._user = np.empty(1024, np.int32)
        self._alive = np.zeros(1024, bool)
        self._n = 0
        self._pos: dict[int, int] = {}
        self._users: dict[str, int] = {}
        self._n_alive = 0
        self._total_len = 0.0

    # -- building --------------------------------------------------------------------------------
    @classmethod
    def build(cls, rows: Sequence[DocRow]) -> LexicalPostings:
        """Postings for a cube's stored FTS rows, vectorised (about a second for 100k memories)."""
        builder = PostingsBuilder()
        for lo in range(0, len(rows), BUILD_CHUNK):
            builder.feed(rows[lo:lo + BUILD_CHUNK])
        return builder.finish()

    def _set_postings(self, tids: np.ndarray, docs: np.ndarray, tfs: np.ndarray) -> None:
        """Sum term frequencies per (term, doc) and lay them out by term."""
        n_docs = max(self._n, 1)
        keys, inverse = np.unique(tids * n_docs + docs, return_inverse=True)
        summed = np.bincount(inverse, weights=tfs).astype(np.float32)
        terms = keys // n_docs
        self._docs = (keys % n_docs).astype(np.int32)
        self._tfs = summed
        self._ptr = np.searchsorted(terms, np.arange(len(self._vocab) + 1)).astype(np.int64)

    def _grow(self, need: int) -> None:
        if need <= len(self._labels):
            return
        cap = max(need, len(self._labels) * 2)
        self._labels = np.resize(self._labels, cap)
        self._len = np.resize(self._len, cap)
        self._user = np.resize(self._user, cap)
        alive = np.zeros(cap, bool)
        alive[:self._n] = self._alive[:self._n]
        self._alive = alive

    def _user_code(self, token: str) -> int:
        return self._users.setdefault(token, len(self._users))

    # -- following writes ------------------------------------------------------------------------
    def add(self, docs: Iterable[DocRow]) -> None:
        with self._lock:
            for label, terms, scope in docs:
                if label in self._pos:
                    continue
                toks = pieces(terms)
                doc = self._n
                self._grow(doc + 1)
                self._labels[doc], self._len[doc] = label, len(toks)
                self._user[doc], self._alive[doc] = self._user_code(user_token_of(scope)), True
                self._pos[label] = doc
                self._n += 1
                self._n_alive += 1
                self._total_len += len(toks)
                for term, tf in Counter(toks).items():
                    tid = self._vocab.setdefault(term, len(self._vocab))
                    self._delta[tid].append((doc, tf))
                    self._joined.pop(tid, None)
                    self._delta_n += 1
            if self._delta_n > max(4096, len(self._docs) // 8):  # amortised: merges stay O(total)
                self._merge()

    def remove(self, labels: Iterable[int]) -> None:
        with self._lock:
            for label in labels:
                doc = self._pos.pop(label, None)
                if doc is not None and self._alive[doc]:
                    self._alive[doc] = False
                    self._n_alive -= 1
                    self._total_len -= float(self._len[doc])

    def _merge(self) -> None:
        counts = np.diff(self._ptr)
        tids = [np.repeat(np.arange(len(counts), dtype=np.int64), counts)]
        docs, tfs = [self._docs.astype(np.int64)], [self._tfs]
        for tid, entries in self._delta.items():
            arr = np.asarray(entries, np.int64)
            tids.append(np.full(len(arr), tid, np.int64))
            docs.append(arr[:, 0])
            tfs.append(arr[:, 1].astype(np.float32))
        self._set_postings(np.concatenate(tids), np.concatenate(docs), np.concatenate(tfs))
        self._delta.clear()
        self._joined.clear()
        self._delta_n = 0

    # -- searching -------------------------------------------------------------------------------
    def search(self, terms: Sequence[str], user_token: str | None, limit: int) -> list[int]:
        """Labels of the best BM25 matches (any term), best first; only `user_token`'s if given."""
        with self._lock:
            if not self._n_alive:
                return []
            ucode = None
            if user_token is not None:
                if user_token not in self._users:
                    return []
                ucode = self._users[user_token]
            tids = {self._vocab[p] for t in terms for p in pieces(t) if p in self._vocab}
            n_alive, avgdl = self._n_alive, self._total_len / self._n_alive
            postings = [(tid, *self._term_postings(tid)) for tid in tids]
            if len(postings) > MAX_TERMS:  # as the FTS5 path: the most selective terms (memory.index.lexical)
                postings = sorted(postings, key=lambda p: len(p[1]))[:MAX_TERMS]
            all_docs: list[np.ndarray] = []
            all_tfs: list[np.ndarray] = []
            idfs: list[float] = []
            for _, docs, tfs in postings:
                if not len(docs):
                    continue
                df = len(docs)
                idf = float(np.log((n_alive - df + 0.5) / (df + 0.5)))
                idfs.append(idf if idf > 0 else 1e-6)
                all_docs.append(docs)
                all_tfs.append(tfs)
            if not all_docs:
                return []
            # every term's weights in one pass (a term's idf repeated over its postings, in float32 as
            # each term's own product was): a few whole-array steps instead of several per term
            docs_all, tfs_all = np.concatenate(all_docs), np.concatenate(all_tfs)
            idf_all = np.repeat(np.asarray(idfs, np.float32), [len(d) for d in all_docs])
            dl = self._len[docs_all]
            weights = idf_all * tfs_all * (K1 + 1) / (tfs_all + K1 * (1 - B + B * dl / avgdl))
            uniq, score = sum_by_doc(docs_all, weights, self._n)
            if ucode is not None or self._n_alive < self._n:  # otherwise every document found counts
                keep = self._alive[uniq]
                if ucode is not None:
                    keep &= self._user[uniq] == ucode
                uniq, score = uniq[keep], score[keep]
            if len(uniq) > limit:
                top = (-score).argpartition(limit - 1)[:limit]  # the method: ~1 us less than np.argpartition
                uniq, score = uniq[top], score[top]
            order = np.lexsort((self._labels[uniq], -score))  # ties: older first, as FTS5's rowid order
            labels: list[int] = self._labels[uniq[order]].tolist()
            return labels

    def _term_postings(self, tid: int) -> tuple[np.ndarray, np.ndarray]:
        docs = tfs = None
        if tid + 1 < len(self._ptr):
            lo, hi = self._ptr[tid], self._ptr[tid + 1]
            docs, tfs = self._docs[lo:hi], self._tfs[lo:hi]
        extra = self._delta.get(tid)
        if extra:
            joined = self._joined.get(tid)
            if joined is None:
                arr = np.asarray(extra, np.int64)
                if docs is None:
                    joined = arr[:, 0], arr[:, 1].astype(np.float32)
                else:
                    joined = np.concatenate([docs, arr[:, 0]]), np.concatenate([tfs, arr[:, 1].astype(np.float32)])
                self._joined[tid] = joined
            return joined
        if docs is None or tfs is None:
            return np.empty(0, np.int64), np.empty(0, np.float32)
        return docs, tfs


DENSE_SUM = 4  # sum_by_doc counts into arrays over every doc when there are at most 4x as many as postings


def sum_by_doc(docs: np.ndarray, weights: np.ndarray, n_docs: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Each distinct doc (ascending) and the float64 sum of its weights, added in input order as
    `np.unique` + `np.bincount` did (the same values). `docs` is a few runs of ascending docs, one per
    term, which a stable sort (timsort) merges faster than `np.unique`'s quicksort sorts them: measured at
    100k memories in one cube, BM25 0.23 -> 0.19 ms of CPU a query (docs/benchmarks.md, fourth round).
    With `n_docs` (every doc is below it) and few docs beside the postings, as in a small cube, a bincount
    over every doc adds them in the same order without sorting: 14.5 -> 6.7 us for 532 postings of 600 docs."""
    if n_docs is not None and n_docs <= DENSE_SUM * len(docs):
        uniq = np.flatnonzero(np.bincount(docs, minlength=n_docs))
        return uniq, np.bincount(docs, weights=weights, minlength=n_docs)[uniq]
    order = np.argsort(docs, kind="stable")
    ordered = docs[order]
    first = np.empty(len(ordered), bool)
    first[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    return ordered[first], np.bincount(np.cumsum(first) - 1, weights=weights[order])


class PostingsBuilder:
    """Builds a cube's postings from its documents fed a chunk at a time, in label order.

    Each chunk's words are counted into compact arrays (term, doc, tf: 12 bytes a posting) and its
    Python strings dropped at once, so the rows never need to be held all together: reading all 100k
    documents and their words at once, then laying out 64-bit keys, peaked at ~200 MB over the result,
    most of which the process kept.
    """

    def __init__(self) -> None:
        self.postings = LexicalPostings()
        self._tids: list[np.ndarray] = []
        self._docs: list[np.ndarray] = []
        self._tfs: list[np.ndarray] = []
        self._lens: list[np.ndarray] = []
        self._labels: list[np.ndarray] = []
        self._users: list[np.ndarray] = []
        self._n = 0

    def feed(self, rows: Sequence[DocRow]) -> None:
        """Count one chunk of documents (labels above every label fed before)."""
        p, vocab = self.postings, self.postings._vocab
        toks = [pieces(terms) for _, terms, _ in rows]
        lens = np.fromiter((len(t) for t in toks), np.int64, len(toks))
        tids = np.fromiter((vocab.setdefault(t, len(vocab)) for t in chain.from_iterable(toks)), np.int64,
                           int(lens.sum()))
        del toks
        m = max(len(rows), 1)
        keys, counts = np.unique(tids * m + np.repeat(np.arange(len(rows), dtype=np.int64), lens),
                                 return_counts=True)  # each (term, doc) once, with its count
        self._tids.append((keys // m).astype(np.int32))
        self._docs.append((keys % m + self._n).astype(np.int32))
        self._tfs.append(counts.astype(np.float32))
        self._lens.append(lens)
        self._labels.append(np.fromiter((r[0] for r in rows), np.int64, len(rows)))
        self._users.append(np.fromiter((p._user_code(user_token_of(r[2])) for r in rows), np.int32, len(rows)))
        self._n += len(rows)

    def finish(self) -> LexicalPostings:
        """The postings laid out by term (docs ascending within a term), ready to search."""
        p, n = self.postings, self._n

        def joined(parts: list[np.ndarray], dtype: type) -> np.ndarray:
            out = np.concatenate(parts) if parts else np.empty(0, dtype)
            parts.clear()
            return out

        lengths = joined(self._lens, np.int64)
        p._grow(n)
        p._labels[:n] = joined(self._labels, np.int64)
        p._len[:n] = lengths
        p._user[:n] = joined(self._users, np.int32)
        p._alive[:n] = True
        p._n = p._n_alive = n
        p._pos = {int(label): i for i, label in enumerate(p._labels[:n].tolist())}
        p._total_len = float(lengths.sum())
        # a counting sort by term straight into the final arrays, a chunk at a time: concatenating the
        # chunks and sorting them held every posting three times more (~70 MB at 100k memories)
        n_terms = len(p._vocab)
        p._ptr = np.zeros(n_terms + 1, np.int64)
        for tids in self._tids:
            p._ptr[1:] += np.bincount(tids, minlength=n_terms)
        np.cumsum(p._ptr, out=p._ptr)
        cursor = p._ptr[:-1].copy()
        p._docs, p._tfs = np.empty(int(p._ptr[-1]), np.int32), np.empty(int(p._ptr[-1]), np.float32)
        while self._tids:  # chunks in doc order, each sorted by (term, doc): docs stay ascending per term
            tids, docs, tfs = self._tids.pop(0), self._docs.pop(0), self._tfs.pop(0)
            terms, first, counts = np.unique(tids, return_index=True, return_counts=True)
            dest = np.repeat(cursor[terms] - first, counts) + np.arange(len(tids))
            p._docs[dest], p._tfs[dest] = docs, tfs
            cursor[terms] += counts
        return p
