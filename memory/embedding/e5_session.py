"""The packaged e5 model on ONNX Runtime directly, with the intra-op threads' spin-waiting off.

fastembed builds its own ONNX Runtime session and exposes no way to set the session's config entries.
By default ONNX Runtime's intra-op threads keep spinning on the CPU after each parallel step, waiting
for the next one. On a 2-core host that spinning takes the cores from everything else in the process
(the event loop, the SQLite reader thread) and from other processes, and each spinning thread then
waits its turn too: measured under load from other processes, a search's own query embedding took
1.5-2x the raw model call on the same text, and batches of 32 turns took 1.5x longer; with spinning
off both matched (docs/benchmarks.md, "Issue 19"). The vectors are the same bytes: the same ONNX
file, tokenizer, graph optimisation, thread count and pooling as fastembed's pipeline for this model
(tokenizer.json as written by e5_convert, mean pooling over the attention mask in float64,
L2-normalised, cast to float32), which tests/test_embedding.py compares with fastembed's.
Tokenisation goes through SentencePiece when the directory has e5_convert's sentencepiece.model (the
same ids in ~230 MB less memory, see e5_sentencepiece); tokenizer.json stays the fallback.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from memory.embedding.e5_convert import MODEL_FILE
from memory.embedding.e5_sentencepiece import SENTENCEPIECE_FILE, E5SentencePiece

if TYPE_CHECKING:
    from tokenizers import Tokenizer

log = logging.getLogger(__name__)

SPINNING = "session.intra_op.allow_spinning"


class E5Session:
    """Tokenise, run, mean-pool and normalise a batch of texts (prefixes included) with the model
    converted into `model_dir` (memory.embedding.e5_convert.build_e5_onnx)."""

    def __init__(self, model_dir: Path, threads: int | None = None) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        if threads is not None:
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = threads
        options.add_session_config_entry(SPINNING, "0")
        self.session = ort.InferenceSession(
            str(model_dir / MODEL_FILE), sess_options=options, providers=["CPUExecutionProvider"])
        self.tokenizer: E5SentencePiece | Tokenizer
        try:
            self.tokenizer = E5SentencePiece(model_dir)
        except (OSError, RuntimeError, ValueError, KeyError) as exc:
            if (model_dir / SENTENCEPIECE_FILE).exists():
                log.warning("%s unusable (%s); tokenising with tokenizer.json", SENTENCEPIECE_FILE, exc)
            from tokenizers import Tokenizer

            # truncation (512 tokens, right) and padding (longest in the batch, <pad>) are in the file
            self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.inputs = {i.name for i in self.session.get_inputs()}

    def embed(self, texts: list[str]) -> np.ndarray:
        """float32 (len(texts), dim), unit rows."""
        if isinstance(self.tokenizer, E5SentencePiece):
            ids, mask = self.tokenizer.encode_batch(texts)
        else:
            encoded = self.tokenizer.encode_batch(texts)
            ids = np.array([e.ids for e in encoded], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
        feed = {"input_ids": ids}
        if "attention_mask" in self.inputs:
            feed["attention_mask"] = mask
        if "token_type_ids" in self.inputs:
            feed["token_type_ids"] = np.zeros_like(ids)
        hidden = self.session.run(None, feed)[0]
        summed = np.sum(hidden, axis=1, where=mask[:, :, np.newaxis].astype(bool), dtype=np.float64)
        pooled = summed / np.maximum(np.sum(mask, axis=1, keepdims=True), 1e-9)
        norms = np.maximum(np.linalg.norm(pooled, ord=2, axis=1, keepdims=True), 1e-12)
        out: np.ndarray = (pooled / norms).astype(hidden.dtype, copy=False)
        return out
