"""Optional reranking of search results by a cross-encoder (RERANK_MODEL; off by default).

`base.Reranker` is the interface, `fastembed_reranker` the local ONNX implementation, `factory` builds
it from the settings, and `stage.RerankStage` is what the engine's search calls after fusion.
"""
