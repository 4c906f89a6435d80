"""How a build reports progress: a callable `(done, total, stage)` for each stage that takes long."""
from __future__ import annotations

from typing import Callable

STAGE_PREPARING = "preparing"     # plans parsed and tokenised (reported for builds of many plans)
STAGE_EMBEDDING = "embedding"     # passages embedded or found in the cache
STAGE_WRITING = "writing"         # passages written to the store with their vector index (reported for large builds)
STAGE_UNITS = {STAGE_PREPARING: "plans", STAGE_EMBEDDING: "passages", STAGE_WRITING: "passages"}

Progress = Callable[..., None]    # (done: int, total: int, stage: str = STAGE_EMBEDDING)
