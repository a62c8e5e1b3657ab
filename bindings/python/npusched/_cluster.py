"""``npusched.Cluster``: a live cluster model fed by watch events (docs/live.md).

Objects are serialised to JSON exactly as for :func:`npusched.plan` (``_api``)
and read by the C++ adapter; the model, its indexes and every decision live
in the compiled core (``_core.LiveCluster``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from . import _core
from ._api import _is_model, _json_text, _plain, _state_text, _unix_seconds, check_plan_options, check_policy, snapshot_text
from ._errors import invalid
from ._explain import _target

__all__ = ["Cluster"]

_TYPES = ("ADDED", "MODIFIED", "DELETED", "BOOKMARK")


def _event_parts(event: Any, path: str, depth: int) -> tuple[str, Any]:
    """``(type, object as plain JSON data)`` of one watch event: a mapping with
    ``type`` and ``object`` (a dict or a ``kubernetes`` model), as
    ``kubernetes.watch.Watch().stream()`` yields it; ``raw_object``, when
    present, is the API server's own JSON and is preferred. ``depth`` is the
    object's nesting level in the JSON text it goes into."""
    if not isinstance(event, Mapping):
        raise invalid(path, "wrong_type", f"expected a mapping with type and object, got {type(event).__name__}")
    kind = event.get("type")
    if kind not in _TYPES:
        raise invalid(f"{path}.type", "unknown_value", f"expected one of {', '.join(_TYPES)}, got {kind!r}")
    raw = event.get("raw_object")
    obj = raw if isinstance(raw, Mapping) else event.get("object")
    if not isinstance(obj, Mapping) and not _is_model(obj):
        raise invalid(f"{path}.object", "wrong_type", f"expected a dict or a kubernetes model, got {type(obj).__name__}")
    return kind, _plain(obj, f"{path}.object", depth)


def _outcome(t: tuple[str, str, str]) -> dict[str, str]:
    return {"outcome": t[0], "object": t[1], "held_version": t[2]}


class Cluster:
    """A cluster model kept current by Kubernetes watch events.

    Load a List once (``load``), then ``apply`` each watch event; ``plan``,
    ``faults`` and ``explain`` answer over the current state without reading
    the world again, and give exactly what :func:`npusched.plan`,
    :func:`npusched.faults` and :func:`npusched.explain` give for a snapshot
    of the same objects. Reads may run in many threads while one thread
    applies events; every call releases the GIL.
    """

    def __init__(self, snapshot: Any = None, *, scheduler_name: str = "volcano") -> None:
        check_plan_options(scheduler_name, None, None)
        self._live = _core.LiveCluster(scheduler_name)
        if snapshot is not None:
            self.load(snapshot)

    def load(self, snapshot: Any) -> None:
        """Replaces the state with a List in any form :func:`npusched.plan` takes
        (an informer's relist): afterwards the model holds exactly its objects."""
        self._live.load(snapshot_text(snapshot))

    def apply(self, event: Any) -> dict[str, str]:
        """Applies one watch event. Returns ``{"outcome": "applied" | "stale" |
        "ignored", "object": "Kind ns/name", "held_version": ...}``: an event
        older than the object's held ``resourceVersion`` is ``stale`` and
        ignored; kinds the model does not read are ``ignored``."""
        kind, obj = _event_parts(event, "event", 1)
        if kind == "BOOKMARK":
            return {"outcome": "ignored", "object": "", "held_version": ""}
        return _outcome(self._live.apply(kind, _json_text(obj, "event.object")))

    def apply_many(self, events: Iterable[Any]) -> list[dict[str, str]]:
        """Applies events in order as one step (readers see all or none of
        them). On a bad event, raises :class:`InvalidInput` naming
        ``events[i]``; the events before it stay applied."""
        batch = []
        for i, event in enumerate(events):
            kind, obj = _event_parts(event, f"events[{i}]", 3)  # [ {"object": {...}} ]
            batch.append({"type": kind, "object": obj})
        text = _json_text(batch, "events")
        return [_outcome(t) for t in self._live.apply_many(text)]

    def plan(
        self,
        *,
        now: int | None = None,
        super_pod_size: int | None = None,
        reserve_nodes: int | None = None,
        state: Any = None,
        policy: str = "npusched",
        policy_seed: int = 0,
    ) -> dict[str, Any]:
        """The plan of the current state, as :func:`npusched.plan` returns it.

        ``policy`` chooses each pod's node among the feasible ones:
        ``"npusched"`` (the highest score, ties by node name), ``"block-fit"``
        (the same, but an inference service's ``sp-block`` blocks go to the
        super-pod with the fewest free nodes that holds one), or the baselines
        ``"first-fit"`` (the first feasible node by name) and ``"random-ties"``
        (the highest score, ties by a hash seeded with ``policy_seed``, as the
        reference picks among equal scores at random); docs/fitting.md.
        """
        check_plan_options("", super_pod_size, reserve_nodes)
        check_policy(policy, policy_seed)
        text = self._live.plan_json(_unix_seconds(now), super_pod_size, reserve_nodes, _state_text(state), policy,
                                    policy_seed)
        result: dict[str, Any] = json.loads(text)
        return result

    def faults(self, *, now: int | None = None, state: Any = None) -> dict[str, Any]:
        """The fault decisions of the current state, as :func:`npusched.faults` returns them."""
        result: dict[str, Any] = json.loads(self._live.faults_json(_unix_seconds(now), _state_text(state)))
        return result

    def explain(
        self,
        *,
        pod: str | None = None,
        group: str | None = None,
        service: str | None = None,
        now: int | None = None,
        super_pod_size: int | None = None,
        reserve_nodes: int | None = None,
        state: Any = None,
    ) -> dict[str, Any]:
        """Why one pending pod, gang or service does (not) fit, as :func:`npusched.explain`."""
        kind, target = _target(pod, group, service)
        check_plan_options("", super_pod_size, reserve_nodes)
        text = self._live.explain_json(kind, target, _unix_seconds(now), super_pod_size, reserve_nodes, _state_text(state))
        result: dict[str, Any] = json.loads(text)
        return result

    def defrag(self, **kwargs: Any) -> list[dict[str, Any]]:
        """The defragmentation advice for the target's unadmitted gangs: the
        ``"defrag"`` part of :meth:`explain` (same arguments), as
        :func:`npusched.defrag`."""
        advice: list[dict[str, Any]] = self.explain(**kwargs)["defrag"]
        return advice

    @property
    def stats(self) -> dict[str, int]:
        """``{"nodes", "pods", "cluster_nodes", "pending_pods"}``: objects held,
        nodes in the cluster (not excluded), pending pods."""
        nodes, pods, cluster_nodes, pending = self._live.stats()
        return {"nodes": nodes, "pods": pods, "cluster_nodes": cluster_nodes, "pending_pods": pending}
