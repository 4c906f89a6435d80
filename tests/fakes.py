"""A tiny deterministic encoder for exact unit tests (never used instead of the real model on the real path)."""
from __future__ import annotations

import hashlib

import numpy as np

from indexer.tokenize import Tokenizer


_VECTORS: dict[str, np.ndarray] = {}


class KeywordEncoder:
    """Bag of jieba tokens hashed into 64 buckets, L2-normalised: texts sharing words are close."""

    name = "keyword-test-encoder"
    dimension = 64
    query_prompt = "query: "
    passage_prompt = "passage: "

    def __init__(self):
        self._tokenizer = Tokenizer()
        self.passage_calls = 0
        self.passages_encoded = 0

    def _vector(self, text: str) -> np.ndarray:
        v = _VECTORS.get(text)          # a pure function of the text: cut once per test session, not per build
        if v is None:
            v = np.zeros(self.dimension, dtype=np.float32)
            for token in self._tokenizer.tokens(text):
                v[int(hashlib.md5(token.encode()).hexdigest(), 16) % self.dimension] += 1.0
            norm = np.linalg.norm(v)
            v = _VECTORS[text] = v / norm if norm else v
            v.flags.writeable = False
        return v

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return np.stack([self._vector(t) for t in texts]) if texts else np.zeros((0, self.dimension), np.float32)

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        self.passage_calls += 1
        self.passages_encoded += len(texts)
        return self.encode_queries(texts)
