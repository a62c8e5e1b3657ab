"""Fragmentation metrics of a cluster snapshot (``npusched.metrics``,
``npusched metrics``). The numbers are the core's (docs/metrics.md); this
module only checks argument types."""

from __future__ import annotations

import json
from typing import Any

from . import _core
from ._api import check_scheduler_name, snapshot_text
from ._errors import invalid

__all__ = ["metrics", "metrics_text"]


def _sizes(name: str, value: Any) -> list[int]:
    if value is None:
        return []
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        raise invalid(name, "wrong_type", f"expected a list of ints, got {type(value).__name__}")
    out = []
    for i, v in enumerate(value):
        if isinstance(v, bool) or not isinstance(v, int):
            raise invalid(f"{name}[{i}]", "wrong_type", f"expected an int, got {type(v).__name__}")
        if not 1 <= v <= 1_000_000:
            raise invalid(f"{name}[{i}]", "out_of_range", f"{v} is out of range (1..1000000)")
        out.append(v)
    return out


def metrics_text(snapshot: Any, *, block_nodes: Any = None, request_sizes: Any = None, legal_sizes: bool = False,
                 scheduler_name: str = "volcano") -> str:
    """Like :func:`metrics`, but returns the adapter's compact JSON text unchanged."""
    check_scheduler_name(scheduler_name)
    if not isinstance(legal_sizes, bool):
        raise invalid("legal_sizes", "wrong_type", f"expected a bool, got {type(legal_sizes).__name__}")
    return _core.metrics_json(snapshot_text(snapshot), scheduler_name, _sizes("block_nodes", block_nodes),
                              _sizes("request_sizes", request_sizes), legal_sizes)


def metrics(snapshot: Any, *, block_nodes: Any = None, request_sizes: Any = None, legal_sizes: bool = False,
            scheduler_name: str = "volcano") -> dict[str, Any]:
    """Fragmentation metrics of a snapshot (any form :func:`npusched.plan` takes):
    per accelerator type free NPUs, free whole nodes, stranded NPUs and nodes,
    the largest gang placeable now and the fragmentation index; per physical
    super-pod the block spectrum, stranded nodes and repair headroom.

    Block sizes (nodes per ``sp-block``) and pod sizes default to those in
    use in the snapshot; ``block_nodes`` / ``request_sizes`` set them,
    ``legal_sizes=True`` judges every type against all its legal
    power-of-two sizes. Raises :class:`InvalidInput` for a bad snapshot or
    option.
    """
    result: dict[str, Any] = json.loads(metrics_text(snapshot, block_nodes=block_nodes, request_sizes=request_sizes,
                                                     legal_sizes=legal_sizes, scheduler_name=scheduler_name))
    return result
