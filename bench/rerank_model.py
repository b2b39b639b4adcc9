"""Random-weight cross-encoders that fastembed loads like a downloaded reranker, built in code.

No reranker can be downloaded here, so the tests and bench/rerank.py build their own: a BERT-like
ONNX graph, (input_ids, attention_mask[, token_type_ids]) -> logits [batch, 1], the inputs and output
a Hugging Face cross-encoder export has, plus the tokenizer files fastembed reads beside it.

- `tiny_cross_encoder`: 2 layers of 32, a WordPiece vocabulary of the given words, and a logit the
  caller controls: the sum of `word_weights` over the document's tokens (token type 1), plus the
  random head scaled to under 0.05, so a test knows the order the reranker must give.
- `base_cross_encoder`: the shape of jina-reranker-v2-base-multilingual (XLM-R base: 12 layers, 768
  hidden, 12 heads, 3072 FFN, 250k vocabulary) with random weights and the packaged e5 model's XLM-R
  tokenizer, so its latency is that of the real model on the same texts (its scores mean nothing).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from onnx import ModelProto, NodeProto, TensorProto
    from tokenizers import Tokenizer

MODEL_FILE = "model.onnx"
TINY_SPECIALS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]")


@dataclass(frozen=True, slots=True)
class EncoderShape:
    layers: int
    hidden: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int = 514
    type_vocab: int = 0  # 0: no token_type_ids input (XLM-R); 2: BERT's segment embedding


BASE_SHAPE = EncoderShape(layers=12, hidden=768, heads=12, ffn=3072, vocab=250002, max_positions=1026)


def build_graph(shape: EncoderShape, seed: int = 0, word_weights: np.ndarray | None = None,
                head_scale: float = 1.0) -> ModelProto:
    """The encoder, its classification head on the first token, and an optional bag-of-words term
    (the sum of `word_weights[token]` over the tokens of type 1: the document's, not the query's)."""
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(seed)
    H = shape.hidden
    nodes: list[NodeProto] = []
    inits: list[TensorProto] = []

    def const(name: str, arr: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(arr if arr.ndim == 0 else np.ascontiguousarray(arr), name))
        return name

    def rand(name: str, *dims: int, scale: float = 0.02) -> str:
        return const(name, (rng.standard_normal(dims, dtype=np.float32) * scale).astype(np.float32))

    def node(op: str, ins: list[str], out: str, domain: str = "", **attrs: Any) -> str:
        nodes.append(helper.make_node(op, ins, [out], name=out, domain=domain, **attrs))
        return out

    def linear(x: str, prefix: str, n_in: int, n_out: int, scale: float = 0.02) -> str:
        mm = node("MatMul", [x, rand(f"{prefix}.w", n_in, n_out, scale=scale)], f"{prefix}.mm")
        return node("Add", [mm, const(f"{prefix}.b", np.zeros(n_out, np.float32))], prefix)

    def layernorm(x: str, out: str) -> str:
        return node("LayerNormalization", [x, const(f"{out}.g", np.ones(H, np.float32)),
                                           const(f"{out}.b", np.zeros(H, np.float32))], out, axis=-1, epsilon=1e-5)

    positions = node("Sub", [node("CumSum", ["attention_mask", const("c.axis1", np.array(1))], "pos.c"),
                             const("c.one", np.array(1, np.int64))], "pos.s")
    positions = node("Max", [positions, const("c.zero", np.array(0, np.int64))], "pos.ids")
    x = node("Add", [node("Gather", [rand("emb.word", shape.vocab, H), "input_ids"], "emb.w"),
                     node("Gather", [rand("emb.pos", shape.max_positions, H), positions], "emb.p")], "emb.wp")
    if shape.type_vocab:
        x = node("Add", [x, node("Gather", [rand("emb.type", shape.type_vocab, H), "token_type_ids"], "emb.t")],
                 "emb.sum")
    x = layernorm(x, "emb.ln")
    mask32 = node("Cast", ["attention_mask"], "mask32", to=TensorProto.INT32)
    for i in range(shape.layers):
        p = f"l{i}"
        qkv = linear(x, f"{p}.qkv", H, 3 * H)
        nodes.append(helper.make_node("Split", [qkv], [f"{p}.Q", f"{p}.K", f"{p}.V"], name=f"{p}.split",
                                      axis=-1, num_outputs=3))
        ctx = node("MultiHeadAttention", [f"{p}.Q", f"{p}.K", f"{p}.V", "", mask32], f"{p}.ctx",
                   "com.microsoft", num_heads=shape.heads)
        x = layernorm(node("Add", [x, linear(ctx, f"{p}.ao", H, H)], f"{p}.res1"), f"{p}.aln")
        mid = node("Gelu", [linear(x, f"{p}.fi", H, shape.ffn)], f"{p}.gelu", "com.microsoft")
        x = layernorm(node("Add", [x, linear(mid, f"{p}.fo", shape.ffn, H)], f"{p}.res2"), f"{p}.oln")
    first = node("Gather", [x, const("c.first", np.array(0, np.int64))], "head.first", axis=1)
    pooled = node("Tanh", [linear(first, "head.dense", H, H)], "head.tanh")
    logits = linear(pooled, "head.out", H, 1, scale=0.02 * head_scale)
    if word_weights is not None:
        if not shape.type_vocab:
            raise ValueError("word_weights count the document's tokens: the shape needs token types")
        doc = node("Cast", [node("Mul", ["token_type_ids", "attention_mask"], "bow.m")], "bow.f",
                   to=TensorProto.FLOAT)
        per_token = node("Gather", [const("bow.w", word_weights.astype(np.float32)), "input_ids"], "bow.g")
        bow = node("ReduceSum", [node("Mul", [per_token, doc], "bow.t"), const("c.axes", np.array([1]))],
                   "bow.sum", keepdims=1)
        logits = node("Add", [logits, bow], "bow.logits")
    nodes.append(helper.make_node("Identity", [logits], ["logits"], name="out"))
    inputs = ["input_ids", "attention_mask"] + (["token_type_ids"] if shape.type_vocab else [])
    graph = helper.make_graph(
        nodes, "random_cross_encoder",
        [helper.make_tensor_value_info(n, TensorProto.INT64, ["batch", "seq"]) for n in inputs],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 1])], inits)
    model = helper.make_model(graph, producer_name="omoide.bench.rerank_model",
                              opset_imports=[helper.make_opsetid("", 18), helper.make_opsetid("com.microsoft", 1)])
    model.ir_version = 9
    return model


def _write(out_dir: Path, model: ModelProto, tokenizer: Tokenizer, pad_token: str, max_length: int) -> Path:
    import onnx

    out_dir.mkdir(parents=True, exist_ok=True)
    onnx.save_model(model, str(out_dir / MODEL_FILE))
    tokenizer.save(str(out_dir / "tokenizer.json"))
    (out_dir / "tokenizer_config.json").write_text(json.dumps(
        {"model_max_length": max_length, "pad_token": pad_token, "padding_side": "right"}), "utf-8")
    (out_dir / "special_tokens_map.json").write_text("{}\n", "utf-8")
    (out_dir / "config.json").write_text(json.dumps({"architectures": ["random cross-encoder"]}), "utf-8")
    return out_dir


def tiny_tokenizer(words: list[str]) -> Tokenizer:
    """A lowercasing WordPiece tokenizer whose vocabulary is the specials and `words` (ids in that
    order, from 4); BERT's pair template, so the document's tokens have type 1."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors

    vocab = {w: i for i, w in enumerate([*TINY_SPECIALS, *dict.fromkeys(w.lower() for w in words)])}
    tok = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])])
    return tok


def tiny_cross_encoder(out_dir: Path, word_weights: dict[str, float], seed: int = 0) -> Path:
    """A 2-layer cross-encoder whose logit for (query, document) is the sum of `word_weights` over the
    document's words (unknown words 0) plus under 0.05 of random head: write it to `out_dir`."""
    tok = tiny_tokenizer(list(word_weights))
    vocab = tok.get_vocab()
    weights = np.zeros(len(vocab), np.float32)
    for word, weight in word_weights.items():
        weights[vocab[word.lower()]] = weight
    shape = EncoderShape(layers=2, hidden=32, heads=2, ffn=64, vocab=len(vocab), max_positions=130, type_vocab=2)
    # head: |tanh| <= 1 times 32 weights of N(0, 0.02 * 0.02): under 0.05 in practice
    model = build_graph(shape, seed, weights, head_scale=0.02)
    return _write(out_dir, model, tok, "[PAD]", 128)


def base_cross_encoder(out_dir: Path, e5_dir: Path, seed: int = 0) -> Path:
    """jina-reranker-v2-base-multilingual's shape with random weights and the XLM-R tokenizer of the
    packaged e5 model (`e5_dir`: memory.embedding.e5_convert.build_e5_onnx's output)."""
    from tokenizers import Tokenizer

    if (out_dir / MODEL_FILE).exists():
        return out_dir
    tok = Tokenizer.from_file(str(e5_dir / "tokenizer.json"))
    shape = replace(BASE_SHAPE, vocab=max(tok.get_vocab_size(), BASE_SHAPE.vocab))
    tmp = out_dir.with_name(out_dir.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    _write(tmp, build_graph(shape, seed), tok, "<pad>", 1024)
    tmp.rename(out_dir)
    return out_dir
