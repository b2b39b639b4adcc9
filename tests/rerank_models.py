"""Cross-encoders the rerank tests build (bench.rerank_model): one whose order is known, one that fails."""

from __future__ import annotations

from pathlib import Path

from bench.rerank_model import MODEL_FILE, tiny_cross_encoder

# the tiny model's logit for a document: the sum of these over its words (others 0), +-0.05
FRUIT_WEIGHTS = {"kiwi": 1.0, "mango": 2.0, "plum": 3.0, "pear": 4.0, "fig": 5.0, "lime": 6.0}


def failing_cross_encoder(out_dir: Path) -> Path:
    """A model that loads but whose output is [batch], not [batch, 1]: every rerank call raises."""
    import onnx
    from onnx import TensorProto, helper

    tiny_cross_encoder(out_dir, FRUIT_WEIGHTS)
    ids = helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "seq"])
    mask = helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "seq"])
    out = helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch"])
    nodes = [helper.make_node("Cast", ["input_ids"], ["f"], to=TensorProto.FLOAT),
             helper.make_node("ReduceSum", ["f", "axes"], ["logits"], keepdims=0)]
    axes = helper.make_tensor("axes", TensorProto.INT64, [1], [1])
    model = helper.make_model(helper.make_graph(nodes, "bad_shape", [ids, mask], [out], [axes]),
                              opset_imports=[helper.make_opsetid("", 18)])
    model.ir_version = 9
    onnx.save_model(model, str(out_dir / MODEL_FILE))
    return out_dir
