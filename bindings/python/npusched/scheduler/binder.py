"""Writing a plan's bindings: annotations first, then ``pods/binding``, gang by gang.

Per pod: the node must be one the model holds (the API server accepts a
binding to any name); the plan's annotations are patched onto the pod (the
device plugin reads the chips from them, so they must be there before the
pod lands on the node); then the binding is posted. A 409 on the binding
means the pod is bound already: bound to our node it is a success (an
earlier reply was lost), anywhere else a failure. After each success the pod
is *assumed* in the model (:meth:`Feed.assume`).

Per gang (the pods of one PodGroup, in plan order): the members are bound in
order; at the first failure the rest of the gang waits for the next cycles
(the plan places them again, counting the bound members as running). A gang
left with members bound and members unbound gets a record — log, Events on
the PodGroup and the pod, a metric and an entry in the state ConfigMap — that
stays until the gang is whole again (or entirely gone).

With ``workers`` > 1 the gangs are bound concurrently, ``workers`` at a time
(the members of one gang always in order, by one thread): the API calls are
the cycle's cost, and they wait on the network. The records are merged in
plan order, so what is recorded does not depend on which thread ran first.
"""

from __future__ import annotations

import copy
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from .api import Api, ApiError
from .informer import Feed
from .metrics import Metrics
from .report import Reporter, rfc3339

__all__ = ["Binder"]

log = logging.getLogger("npusched.scheduler")

_STOPPED = "this replica stopped leading"


class BindError(Exception):
    def __init__(self, step: str, message: str) -> None:
        super().__init__(f"{step}: {message}")
        self.step, self.message = step, message


def _split(key: str) -> tuple[str, str]:
    ns, _, name = key.partition("/")
    return ns, name


class Binder:
    def __init__(
        self,
        api: Api,
        feed: Feed,
        reporter: Reporter,
        metrics: Metrics,
        *,
        acting: Callable[[], bool],
        clock: Callable[[], float] = time.time,
        workers: int = 1,
    ) -> None:
        self.api, self.feed, self.reporter, self.metrics = api, feed, reporter, metrics
        self.acting, self.clock = acting, clock
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="npusched-bind") if workers > 1 else None

    # -- one pod --------------------------------------------------------------

    def bind_one(self, b: dict[str, Any]) -> None:
        key, node = b["pod"], b["node"]
        ns, name = _split(key)
        pod = self.feed.get("Pod", key)
        if pod is None:
            raise BindError("check", "the pod is gone")
        if not self.feed.has("Node", node):
            raise BindError("check", f"node {node} is not in the model")
        uid = str((pod.get("metadata") or {}).get("uid") or "")
        annotations = b.get("annotations") or {}
        if annotations:
            try:
                pod = self.api.patch_pod(ns, name, {"metadata": {"annotations": annotations}})
            except ApiError as e:
                raise BindError("patch", str(e)) from None
        try:
            self.api.bind_pod(ns, name, uid, node)
        except ApiError as e:
            if e.status != 409:
                raise BindError("bind", str(e)) from None
            current = self.api.get_pod(ns, name)
            bound_to = ((current or {}).get("spec") or {}).get("nodeName")
            if bound_to != node:
                raise BindError("bind", f"{e} (bound to {bound_to or 'nothing'})") from None
            pod = current or pod
        assumed = copy.deepcopy(pod)
        assumed.setdefault("spec", {})["nodeName"] = node
        self.feed.assume(assumed)
        self.metrics.bound.inc()
        self.reporter.forget(key)
        chips = ",".join(b.get("chips") or []) or "-"
        log.info("bound %s to %s (chips %s)", key, node, chips)

    # -- a plan -----------------------------------------------------------------

    def bind(self, bindings: list[dict[str, Any]], records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Binds the plan's bindings, gang by gang; returns the half-bound records
        (``records`` updated)."""
        by_group: dict[str, list[dict[str, Any]]] = {}
        for b in bindings:
            group = self.feed.group_of(b["pod"]) or f"pod:{b['pod']}"
            by_group.setdefault(group, []).append(b)
        gangs = list(by_group.items())
        if self._pool is not None and len(gangs) > 1:
            outcomes = list(self._pool.map(lambda g: self._gang(*g), gangs))
        else:
            outcomes = [self._gang(*g) for g in gangs]
        records = [dict(r) for r in records]
        for (group, members), (done, error) in zip(gangs, outcomes):
            if error is None or group.startswith("pod:") or (error == _STOPPED and done == 0):
                continue
            records = self._record(records, group, [m["pod"] for m in members[:done]],
                                   [m["pod"] for m in members[done:]], members[done]["pod"], error)
        return records

    def _gang(self, group: str, members: list[dict[str, Any]]) -> tuple[int, str | None]:
        """Binds one gang's members in order; returns how many were bound and,
        when it stopped early, why."""
        for i, b in enumerate(members):
            if not self.acting():
                # Logged and counted by the caller; the new leader finds the rest pending and binds it.
                return i, _STOPPED
            try:
                self.bind_one(b)
            except BindError as e:
                self.metrics.bind_failures.inc(e.step)
                log.warning("bind %s to %s failed at %s: %s", b["pod"], b["node"], e.step, e.message)
                pod = self.feed.get("Pod", b["pod"])
                if pod is not None:
                    self.reporter.event(pod, "Warning", "FailedBinding", f"binding to {b['node']} failed: {e}")
                return i, str(e)
        return len(members), None

    def _record(
        self, records: list[dict[str, Any]], group: str, bound: list[str], unbound: list[str], failed: str, error: str
    ) -> list[dict[str, Any]]:
        old = next((r for r in records if r.get("group") == group), None)
        if old is None and not bound:
            return records  # nothing of the gang is bound: it is simply not placed yet
        bound_all = sorted(set(bound) | set(old.get("bound", []) if old else []))
        unbound_all = sorted((set(unbound) | set(old.get("unbound", []) if old else [])) - set(bound_all))
        record = {
            "group": group,
            "bound": bound_all,
            "unbound": unbound_all,
            "failed_pod": failed,
            "error": error,
            "since": old.get("since") if old else rfc3339(self.clock()),
            "updated": rfc3339(self.clock()),
        }
        log.error("gang %s half-bound: %d bound, %d not (%s failed: %s); binding the rest in the next cycles",
                  group, len(bound_all), len(unbound_all), failed, error)
        message = (f"gang half-bound: {len(bound_all)} member(s) bound, {len(unbound_all)} not yet "
                   f"({failed}: {error}); the rest is retried")
        podgroup = self.feed.get("PodGroup", group)
        if podgroup is not None:
            self.reporter.event(podgroup, "Warning", "GangHalfBound", message)
        records = [r for r in records if r.get("group") != group] + [record]
        self.metrics.half_bound.set(len(records))
        return records

    def resolve(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Closes the records of gangs that are whole again: as many members
        bound as the record listed (bound + unbound) and none pending, or no
        member left at all. A member that is gone (deleted by its owner between
        plan and bind) keeps the record open until its replacement is bound."""
        out = []
        for r in records:
            members = self.feed.group_members(r.get("group", ""))
            bound = [k for k, node in members.items() if node]
            waiting = sorted(k for k, node in members.items() if not node)
            size = len(set(r.get("bound", [])) | set(r.get("unbound", [])))
            if not bound or (not waiting and len(bound) >= size):
                log.info("gang %s: %s; half-bound record closed", r.get("group"),
                         "no member left" if not bound else f"{len(bound)} member(s) bound")
                continue
            out.append({**r, "bound": sorted(bound), "unbound": waiting})
        self.metrics.half_bound.set(len(out))
        return out
