"""``npusched.explain``: why pending pods do (not) fit, and what would make them fit.

The snapshot and its options are normalised exactly as for :func:`npusched.plan`
(``_api``); the explanation is computed by the compiled core (``_core.explain_json``).
"""

from __future__ import annotations

import json
from typing import Any

from . import _core
from ._api import plan_inputs
from ._errors import invalid

__all__ = ["defrag", "explain", "explain_text"]


def explain(
    snapshot: Any,
    *,
    pod: str | None = None,
    group: str | None = None,
    service: str | None = None,
    extra_objects: Any = None,
    state: Any = None,
    now: int | None = None,
    scheduler_name: str = "volcano",
    super_pod_size: int | None = None,
    reserve_nodes: int | None = None,
    add: Any = None,
) -> dict[str, Any]:
    """Explains one pending pod, gang or inference service of a snapshot.

    Give exactly one of ``pod``, ``group`` (a PodGroup) or ``service`` (the
    pending pods labelled ``ome.io/inferenceservice=NAME``), as
    ``"NAMESPACE/NAME"``. The other arguments are those of :func:`npusched.plan`
    (``add`` plans OME services before they exist: explain one with
    ``service=``); the explanation is of the plan that call would make.

    Returns ``{"target": {...}, "pods": [...], "gangs": [...],
    "super_pod_jobs": [...], "suggestions": [...]}``: per pod the nodes each
    filter rule excluded (adding up to the cluster's node count, nodes left
    out for broken data included), the closest nodes and what they lack, or
    where a placed pod goes and the runner-up; the gangs' and super-pod
    jobs' outcomes as in the plan; and the smallest changes that would make
    the target fit (docs/explain.md lists the codes), and under ``"defrag"``
    the defragmentation advice for each of the target's gangs the plan did not
    admit (:func:`defrag`). A pod or PodGroup that runs and has nothing
    pending has ``target["status"] == "running"``.

    Raises :class:`npusched.InvalidInput` for a bad snapshot, not exactly one
    target, or a target that is neither pending nor running.
    """
    kind, target = _target(pod, group, service)
    text = explain_text(
        snapshot,
        kind,
        target,
        extra_objects=extra_objects,
        state=state,
        now=now,
        scheduler_name=scheduler_name,
        super_pod_size=super_pod_size,
        reserve_nodes=reserve_nodes,
        add=add,
    )
    result: dict[str, Any] = json.loads(text)
    return result


def explain_text(
    snapshot: Any,
    kind: str,
    target: str,
    *,
    extra_objects: Any = None,
    state: Any = None,
    now: int | None = None,
    scheduler_name: str = "volcano",
    super_pod_size: int | None = None,
    reserve_nodes: int | None = None,
    add: Any = None,
) -> str:
    """Like :func:`explain` for target ``kind`` (``"pod"``, ``"group"`` or
    ``"service"``) ``target`` (``"NAMESPACE/NAME"``), but returns the
    adapter's compact JSON text unchanged."""
    inputs = plan_inputs(snapshot, now, scheduler_name, super_pod_size, reserve_nodes, extra_objects, state, add)
    return _core.explain_json(kind=kind, target=target, **inputs)


def _target(pod: Any, group: Any, service: Any) -> tuple[str, str]:
    """The one target given, as (kind, "NAMESPACE/NAME")."""
    given = [(kind, value) for kind, value in (("pod", pod), ("group", group), ("service", service)) if value is not None]
    if len(given) != 1:
        raise invalid("target", "invalid_value", f"give exactly one of pod, group or service (got {len(given)})")
    kind, target = given[0]
    if not isinstance(target, str):
        raise invalid(kind, "wrong_type", f"expected a str NAMESPACE/NAME, got {type(target).__name__}")
    return kind, target


def defrag(snapshot: Any, **kwargs: Any) -> list[dict[str, Any]]:
    """The defragmentation advice for the target's gangs that the plan does not
    admit: the ``"defrag"`` part of :func:`explain`, which takes the same
    arguments.

    Each advice is ``{"group", "status", "message", "moved_jobs", "moves",
    "placements", "trials"}``: ``status`` is ``"advised"`` when moving the
    running jobs ``moved_jobs`` makes the gang fit and every moved pod has a
    destination (``moves``: pod, job, from node and chips, to node and chips;
    ``placements``: where the gang's pods then go), else ``"fits"``,
    ``"not_applicable"``, ``"no_destination"``, ``"capacity"`` or
    ``"search_limit"`` (docs/defrag.md). Nothing is moved: the advice is data.
    """
    advice: list[dict[str, Any]] = explain(snapshot, **kwargs)["defrag"]
    return advice
