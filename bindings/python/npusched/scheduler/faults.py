"""Carrying out the fault decisions of ``Cluster.faults``.

``delete`` ``grace`` deletes with the pod's own
``terminationGracePeriodSeconds`` (the server's default when it has none) and
is not repeated while the pod is terminating; ``delete`` ``force`` deletes
with grace 0 (again on every cycle the decision is repeated). Deletions carry
the pod's UID as a precondition, so a replacement under the same name is
never deleted by a decision about its predecessor. ``annotate`` sets
``huawei.com/pod-status: Unhealthy-<reason>`` for an external platform.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from .api import Api, ApiError
from .informer import Feed
from .metrics import Metrics
from .report import Reporter

__all__ = ["FaultActor", "POD_STATUS"]

log = logging.getLogger("npusched.scheduler")

POD_STATUS = "huawei.com/pod-status"


class FaultActor:
    def __init__(self, api: Api, feed: Feed, reporter: Reporter, metrics: Metrics, *, acting: Callable[[], bool]) -> None:
        self.api, self.feed, self.reporter, self.metrics, self.acting = api, feed, reporter, metrics, acting

    def act(self, actions: list[dict[str, Any]]) -> int:
        """Carries out the actions in order; returns how many wrote something."""
        done = 0
        for a in actions:
            if not self.acting():
                break
            try:
                done += self._one(a)
            except ApiError as e:
                log.warning("%s %s (%s) failed: %s", a.get("action"), a.get("pod"), a.get("mode"), e)
        return done

    def _one(self, a: dict[str, Any]) -> int:
        key = a["pod"]
        pod = self.feed.get("Pod", key)
        if pod is None:
            log.info("%s %s: the pod is gone already", a["action"], key)
            return 0
        ns, _, name = key.partition("/")
        md, spec = pod.get("metadata") or {}, pod.get("spec") or {}
        if a["action"] == "annotate":
            value = f"Unhealthy-{a['reason']}"
            if (md.get("annotations") or {}).get(POD_STATUS) == value:
                return 0
            self.api.patch_pod(ns, name, {"metadata": {"annotations": {POD_STATUS: value}}})
            self.metrics.annotated.inc()
            log.info("annotated %s %s=%s", key, POD_STATUS, value)
            self.reporter.event(pod, "Warning", "FaultAnnotated", f"{POD_STATUS}={value}: for the external platform to act on")
            return 1
        if a["action"] != "delete":
            log.warning("unknown fault action %r for %s ignored", a["action"], key)
            return 0
        force = a.get("mode") == "force"
        if not force and md.get("deletionTimestamp"):
            return 0  # already terminating within its grace period
        grace = 0 if force else spec.get("terminationGracePeriodSeconds")
        gone = not self.api.delete_pod(ns, name, str(md.get("uid") or ""), grace if grace is None else int(grace))
        how = "force" if force else f"grace {grace if grace is not None else 'default'}s"
        if gone:
            log.info("delete %s: already gone", key)
            return 0
        self.metrics.deleted.inc("force" if force else "grace")
        log.info("deleted %s (%s): %s", key, how, a.get("reason", ""))
        self.reporter.event(pod, "Warning", "FaultRescheduling", f"deleted ({how}) for {a.get('reason', 'a fault')}; it is to be recreated elsewhere")
        return 1
