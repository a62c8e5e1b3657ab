"""``npusched.show``: the cluster and a what-if plan on it as an SVG picture.

The picture is drawn by the C++ adapter (``_core.show_svg``); this module only
normalises the input the way :func:`npusched.plan` does.
"""

from __future__ import annotations

from typing import Any

from . import _core
from ._api import plan_inputs
from ._errors import invalid

__all__ = ["show"]


def show(
    snapshot: Any,
    *,
    extra_objects: Any = None,
    state: Any = None,
    scheduler_name: str = "volcano",
    super_pod_size: int | None = None,
    reserve_nodes: int | None = None,
    title: str | None = None,
    add: Any = None,
) -> str:
    """Draws the cluster, and the plan of its pending pods, as an SVG document.

    ``snapshot``, ``extra_objects``, ``state``, ``scheduler_name``,
    ``super_pod_size``, ``reserve_nodes`` and ``add`` are as for :func:`npusched.plan`:
    the picture shows exactly the plan that call would return. ``title`` is
    the heading (default: ``Cluster: <N> nodes, <C> chips``).

    Physical super-pods are drawn as groups of nodes (nodes in no super-pod
    grouped by accelerator type), each node as its chips, coloured by state:
    free, used (by service and role), planned by this call (hatched),
    unhealthy, network-unhealthy, recovering. Every node is a
    ``<g class="node" data-node="NAME">`` and every chip a
    ``<rect class="chip" data-node=".." data-chip="N" data-state="..">`` with
    a ``<title>`` naming its holder. docs/show.md describes the picture.

    Deterministic: the same input gives the same text. Raises
    :class:`npusched.InvalidInput` when the snapshot cannot be read.
    """
    if title is not None and not isinstance(title, str):
        raise invalid("title", "wrong_type", f"expected a str or None, got {type(title).__name__}")
    inputs = plan_inputs(snapshot, None, scheduler_name, super_pod_size, reserve_nodes, extra_objects, state, add)
    del inputs["now"]  # nothing in the picture depends on the time
    return _core.show_svg(title=title or "", **inputs)
