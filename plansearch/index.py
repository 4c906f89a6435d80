"""The index as an interface: what search, ask, compare, review and the service may ask of a store.

A store (the folder store, the PostgreSQL store) holds passages in a row space of its own: a row is an int that
stays valid for as long as the reader that returned it (one build of the folder store, one generation of the
PostgreSQL store). Filters are applied inside the store, before the cut to `depth`: masks in the folder store,
WHERE clauses in SQL. Nothing above the stores names a concrete store (see plansearch.stores)."""
from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Callable, Iterator, Protocol, Sequence

import numpy as np

from plansearch.manifest import IndexManifest, NewPlans, PlanEntry
from plansearch.records import Indicator, Kind, Passage, PlanMeta

Scored = list[tuple[int, float]]          # (row, score), best first; ties broken by the lower row


@dataclass(frozen=True)
class Filter:
    """Which passages may be returned; an empty field does not restrict. Regions match a plan's region,
    short name or aliases by substring (as the search parameter does)."""

    plans: frozenset[str] = frozenset()
    regions: frozenset[str] = frozenset()
    domains: frozenset[str] = frozenset()
    kinds: frozenset[Kind] = frozenset()

    @property
    def empty(self) -> bool:
        return not (self.plans or self.regions or self.domains or self.kinds)

    def plan_ids(self, plans: Sequence[PlanMeta]) -> set[str] | None:
        """The plan ids the filter allows among `plans`, or None when it does not restrict plans."""
        if not self.plans and not self.regions:
            return None
        allowed = {m.id for m in plans}
        if self.plans:
            allowed &= set(self.plans)
        if self.regions:
            allowed &= {m.id for m in plans
                        if any(r in m.region or r in m.short_name or any(r in a for a in m.aliases)
                               for r in self.regions)}
        return allowed


class PassageIndex(Protocol):
    """One consistent view of an index, safe to share between threads."""

    manifest: IndexManifest
    plans: list[PlanEntry]                 # the live plans, in index order
    domains: list[str]                     # every domain of the live passages, sorted
    count: int                             # live passages

    # -- ranking: both legs return at most `depth` (row, score) pairs, filter applied before the cut --------
    def lexical(self, tokens: list[str], filter: Filter | None, depth: int) -> Scored:
        """BM25 (plansearch.lexical's formula and parameters) of the passages with a score above zero."""

    def dense(self, vector: np.ndarray, filter: Filter | None, depth: int, breadth: float = 1.0) -> Scored:
        """Inner product with the passage vectors, nearest first; `breadth` < 1 lets an approximate index
        walk less of its graph (exact search ignores it)."""

    # -- look-ups ---------------------------------------------------------------------------------------
    def passage(self, row: int) -> Passage: ...
    def passages(self, rows: Sequence[int]) -> list[Passage]:
        """The passages of `rows`, in that order (a store on a server reads them in one round trip)."""
    def row_of(self, passage_id: str) -> int | None: ...
    def neighbours(self, row: int) -> tuple[int | None, int | None]:
        """The rows before and after `row` in its plan, or None at the plan's ends."""
    def plan_of(self, row: int) -> str: ...
    def domain_of(self, row: int) -> str | None: ...
    def kind_of(self, row: int) -> Kind: ...
    def rows_of_plan(self, plan_id: str) -> list[int]:
        """A live plan's rows in plan order."""
    def iter_passages(self) -> Iterator[tuple[int, Passage]]: ...
    def vectors_of(self, rows: Sequence[int]) -> np.ndarray:
        """Stored (normalised) vectors of `rows`, one per row, float32."""

    # -- vocabulary -------------------------------------------------------------------------------------
    @property
    def indicators(self) -> list[Indicator]: ...       # the quantitative targets of the live plans
    def known(self, tokens: list[str]) -> list[bool]:
        """Whether each token occurs in any indexed passage."""
    def share_containing(self, token: str) -> float:
        """The share of passages whose indexed text contains `token`."""
    def vocabulary(self) -> set[str]: ...

    # -- health -----------------------------------------------------------------------------------------
    def require_intact(self) -> None:
        """Raise IndexCorrupt when the store has found its data damaged (cheap: called on every request)."""

    def describe(self) -> dict:
        """What /health shows: {"store", "serving_build", "integrity", "problem", "segments"}; may add "where"
        (the build's location in words, for messages: the folder store's build folder)."""


class IndexWriter(Protocol):
    """Applies one change to a store as a unit: readers see the old index or the new one, never a mix."""

    def lock(self) -> AbstractContextManager[None]:
        """Held for a whole change. A second writer waits its turn (folder store) or is refused with IndexBusy
        (PostgreSQL, whose writers may be on other machines)."""

    def state(self, verify: bool = False) -> tuple[IndexManifest, list[PlanEntry]] | None:
        """The manifest and live plans of what is indexed now (None when nothing is), to plan a change. `verify`:
        check the data a change would build on as a reader would before serving it (IndexCorrupt if damaged)."""

    def write(self, manifest: IndexManifest, new: NewPlans | None, keep: list[PlanEntry],
              after_write: Callable[[], None] | None = None) -> str:
        """Keep `keep`'s plans (every other indexed plan is removed), add `new`'s; returns the build's name."""


class IndexSource(Protocol):
    """Where an index lives (a folder, a database). `plansearch.stores.open_source(settings)` picks one from the
    settings; runtime, the service and the CLI use it to open readers, follow new builds and write."""

    def exists(self) -> bool: ...

    cheap_current: bool           # `current` costs no more than a system call (a service may call it per request)

    def current(self) -> str | None:
        """The name of the build that readers should serve now; cheap, since a running service polls it."""

    def open(self, verify: str = "auto") -> PassageIndex:
        """A reader of the current build; `verify` is the folder store's checksum policy (others may ignore it)."""

    def writer(self) -> IndexWriter: ...
