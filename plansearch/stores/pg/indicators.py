"""Where the Indicator record lives (it is moving from indexer.targets to the core records)."""
from __future__ import annotations


def indicator_type():
    try:
        from plansearch.records import Indicator
    except ImportError:
        from indexer.targets import Indicator
    return Indicator
