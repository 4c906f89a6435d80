"""jieba tokenization with the domain dictionary and stopword list kept in `indexer/data/`.

Queries and passages go through the same `Tokenizer.tokens` path. A build (`bulk`) cuts with jieba-next:
jieba's own dictionary, algorithm and HMM with the hot loops in Rust, so it cuts as jieba does (tested on every
passage of the corpus and every gold question) at twice the speed, and segmenting is most of a large build's
time. Queries keep jieba itself: it starts 0.1-0.2 s sooner, and part-of-speech tagging is built on it."""
from __future__ import annotations

import hashlib
import importlib
import logging
import re
import threading
from functools import cached_property, lru_cache
from pathlib import Path

from indexer.normalize import NORMALIZE_VERSION, normalize_for_index

DATA_DIR = Path(__file__).resolve().parent / "data"
USER_DICT = DATA_DIR / "userdict.txt"
STOPWORDS = DATA_DIR / "stopwords.txt"
KEEP = re.compile(r"[\w‰%℃≥≤]", re.UNICODE)   # a token must contain a word character or a unit sign
PUNCT_ONLY = re.compile(r"^[\W_]+$", re.UNICODE)


def _segmenter(library: str, user_dict: Path):
    """One loaded segmenter per library and dictionary file (as it is now) in a process: loading costs 0.6-0.9 s,
    and builds, searchers and the compare view each make a `Tokenizer`. Shared read-only: nothing adds words.
    Loaded once even when the first searches arrive together (a service's warm-up and its first request)."""
    stat = user_dict.stat()
    with _LOADING:
        return _load_segmenter(library, str(user_dict), stat.st_mtime_ns, stat.st_size)


_LOADING = threading.Lock()


@lru_cache(maxsize=8)
def _load_segmenter(library: str, user_dict: str, _mtime: int, _size: int):
    module = importlib.import_module(library)
    if library == "jieba":
        module.setLogLevel(logging.WARNING)
    else:
        logging.getLogger(library).setLevel(logging.WARNING)
    tok = module.Tokenizer()
    tok.load_userdict(user_dict)
    return tok


class Tokenizer:
    """A segmenter instance of our own (the library's global one is left alone)."""

    def __init__(self, user_dict: Path = USER_DICT, stopwords: Path = STOPWORDS, bulk: bool = False):
        self.user_dict = user_dict
        self.stopwords_path = stopwords
        self.bulk = bulk

    @cached_property
    def _jieba(self):
        return _segmenter("jieba", self.user_dict)

    @cached_property
    def _segmenter(self):
        """What `tokens` cuts with: jieba-next for a build, jieba otherwise (the same cuts)."""
        return _segmenter("jieba_next" if self.bulk else "jieba", self.user_dict)

    @cached_property
    def stopwords(self) -> frozenset[str]:
        words = self.stopwords_path.read_text(encoding="utf-8").splitlines()
        return frozenset(w.strip() for w in words if w.strip() and not w.startswith("#"))

    @cached_property
    def fingerprint(self) -> str:
        """Hash of the dictionary, stopwords and normalisation version: an index built with others is refused."""
        digest = hashlib.sha256(f"normalize-v{NORMALIZE_VERSION}".encode())
        for path in (self.user_dict, self.stopwords_path):
            digest.update(path.read_bytes())
        return digest.hexdigest()[:16]

    def tokens(self, text: str) -> list[str]:
        """Normalised search tokens: jieba's search mode (words and their sub-words), no stopwords."""
        normal = normalize_for_index(text)
        out = []
        for token in self._segmenter.cut_for_search(normal):
            token = token.strip()
            if not token or PUNCT_ONLY.match(token) and token not in ("‰", "%"):
                continue
            if token in self.stopwords or not KEEP.search(token):
                continue
            out.append(token)
        return out
