"""Counts of the buffer operations Zarr asked for, by who served them: "zbuf" (the C reference) or "numpy"
(the fallback for element types zbuf does not have, and for NumPy's advanced indexing). A run that claims to
use zbuf can show it did.

With $ZBUF_ZARR_STATS_FILE set, the counts are written as JSON to "$ZBUF_ZARR_STATS_FILE.<pid>" when the
process exits (one file per process, so pytest-xdist workers do not overwrite each other).
"""
from __future__ import annotations

import atexit
import json
import os
import threading
from collections import Counter

_counts = {"zbuf": Counter(), "numpy": Counter()}
_lock = threading.Lock()


def count(served_by: str, op: str) -> None:
    with _lock:
        _counts[served_by][op] += 1


def stats() -> dict[str, dict[str, int]]:
    """{"zbuf": {operation: calls}, "numpy": {operation: calls}} since the start or the last reset_stats()."""
    with _lock:
        return {who: dict(c) for who, c in _counts.items()}


def reset_stats() -> None:
    with _lock:
        for c in _counts.values():
            c.clear()


def _write_at_exit() -> None:
    path = os.environ.get("ZBUF_ZARR_STATS_FILE")
    if path:
        with open(f"{path}.{os.getpid()}", "w", encoding="utf-8") as f:
            json.dump(stats(), f, indent=1, sort_keys=True)


atexit.register(_write_at_exit)
