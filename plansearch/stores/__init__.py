"""The stores behind plansearch.index.PassageIndex; the only package that names a concrete store.

`open_source(settings)` picks one: the folder store (settings.index_dir) when no database URL is set, else the
PostgreSQL store (plansearch.stores.pg, imported only then)."""
from __future__ import annotations

from plansearch.errors import PlanSearchError
from plansearch.index import IndexSource
from plansearch.settings import Settings


def open_source(settings: Settings) -> IndexSource:
    """Where the configured index lives: readers, the current build and the writer come from it."""
    if not settings.database_url:
        from plansearch.stores.folder_source import FolderSource

        return FolderSource(settings.index_dir)
    try:
        from plansearch.stores.pg import PgSource
    except ImportError as exc:
        raise PlanSearchError(f"PLANSEARCH_DATABASE_URL is set, but the PostgreSQL store cannot be loaded ({exc}); "
                              f"unset it to use the index folder {settings.index_dir}") from None
    return PgSource(settings)


def local_database(folder):
    """The local PostgreSQL + pgvector that `plansearch db start|stop|status` manages in `folder` (for trying the
    PostgreSQL store, and for the tests): start() → URL, stop(), status()."""
    from plansearch.stores.pg.server import LocalServer

    return LocalServer(folder)
