"""jieba tokenization with the domain dictionary and stopword list kept in `indexer/data/`.

Queries and passages go through the same `Tokenizer.tokens` path. A build (`bulk`) cuts with jieba-next:
jieba's own dictionary, algorithm and HMM with the hot loops in Rust, so it cuts as jieba does (tested on every
passage of the corpus and every gold question) at twice the speed, and segmenting is most of a large build's
time. Queries keep jieba itself: it starts 0.1-0.2 s sooner, and part-of-speech tagging is built on it."""
from __future__ import annotations

import hashlib
import importlib
import logging
import marshal
import os
import re
import sys
import tempfile
import threading
from functools import cached_property, lru_cache
from pathlib import Path

from indexer.normalize import NORMALIZE_VERSION, normalize_for_index

DATA_DIR = Path(__file__).resolve().parent / "data"
USER_DICT = DATA_DIR / "userdict.txt"
STOPWORDS = DATA_DIR / "stopwords.txt"
ALNUM = re.compile(r"[a-zA-Z0-9]+")
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
    if library == "jieba":
        _read_jieba_cache(tok)
    tok.load_userdict(user_dict)
    return tok


def _read_jieba_cache(tok) -> None:
    """Fill a jieba tokenizer's prefix dictionary from the cache file jieba itself keeps (`<tmp>/jieba.cache`),
    read as bytes: jieba reads it with `marshal.load(file)`, which asks the file for every object (0.8 s);
    `marshal.loads` of its bytes takes 0.25 s, and this load is on the way to a service's first answer and to every
    cold CLI search. Without a readable cache jieba builds and writes it as usual."""
    if tok.dictionary is not None or tok.initialized:       # a dictionary of its own: jieba's path
        return
    cache = Path(tok.tmp_dir or tempfile.gettempdir()) / "jieba.cache"
    try:
        freq, total = marshal.loads(cache.read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        return
    if isinstance(freq, dict) and isinstance(total, int) and freq:
        with tok.lock:
            tok.FREQ, tok.total, tok.initialized = freq, total, True


@lru_cache(maxsize=4)
def _dictionary_tags(path: str, size: int, mtime: int, among: frozenset[str]) -> dict[str, str]:
    """Word → part-of-speech tag from a jieba dictionary file (`word freq tag` lines), for the words whose tag is one
    of `among` only: all 350,000 would hold 58 MB in every serving process for the 70,000 a caller asks about. Kept as
    a marshal file beside jieba's own cache: read as text it takes 0.5 s, from the cache under 0.1 s."""
    wanted = ",".join(sorted(among))
    key = hashlib.sha256(f"{path}/{size}/{mtime}/{wanted}".encode()).hexdigest()[:16]
    cache = Path(tempfile.gettempdir()) / f"plansearch-word-tags-{key}.marshal"
    try:
        tags = marshal.loads(cache.read_bytes())
        if isinstance(tags, dict):
            return tags
    except (OSError, ValueError, EOFError, TypeError):
        pass
    tags = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        parts = line.split(" ")
        if len(parts) == 3 and parts[2] in among:
            tags[parts[0]] = sys.intern(parts[2])
    try:
        tmp = cache.with_suffix(f".tmp{os.getpid()}")
        tmp.write_bytes(marshal.dumps(tags))
        os.replace(tmp, cache)
    except OSError:                     # a read-only temp folder: read the text every time, still correct
        pass
    return tags


class Tokenizer:
    """A segmenter instance of our own (the library's global one is left alone)."""

    def __init__(self, user_dict: Path = USER_DICT, stopwords: Path = STOPWORDS, bulk: bool = False):
        self.user_dict = user_dict
        self.stopwords_path = stopwords
        self.bulk = bulk
        self._tags_among: dict[frozenset[str], dict[str, str]] = {}

    @cached_property
    def _jieba(self):
        return _segmenter("jieba", self.user_dict)

    @cached_property
    def _segmenter(self):
        """What `tokens` cuts with: jieba-next for a build, jieba otherwise (the same cuts)."""
        return _segmenter("jieba_next" if self.bulk else "jieba", self.user_dict)

    def pos_flags(self, word: str, among: frozenset[str]) -> list[str | None]:
        """The part-of-speech flags of the dictionary words `word` is cut into (no HMM), as `jieba.posseg` tags them
        (our user dictionary's tag first, `eng` for a run of Latin letters and digits), where that flag is one of
        `among`; None for a piece with another flag or none. Not through `jieba.posseg`: its import and each tagger
        read jieba's 350,000-line dictionary again (0.5 s each, on a cold search's way)."""
        seg = self._jieba
        tags = self._tags_among.get(among)
        if tags is None:
            import jieba

            path = Path(seg.dictionary or Path(jieba.__file__).parent / jieba.DEFAULT_DICT_NAME)
            stat = path.stat()
            tags = self._tags_among.setdefault(among, _dictionary_tags(str(path), stat.st_size, stat.st_mtime_ns,
                                                                       among))
        out = []
        for piece in seg.cut(word, HMM=False):
            if piece.strip():
                flag = "eng" if ALNUM.fullmatch(piece) else seg.user_word_tag_tab.get(piece) or tags.get(piece)
                out.append(flag if flag in among else None)
        return out

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
