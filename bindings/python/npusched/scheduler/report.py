"""What the scheduler tells users about pods: Kubernetes Events and the pod
condition ``PodScheduled``.

A pod the plan cannot place gets one ``Warning`` Event (reason
``FailedScheduling``) and the condition ``PodScheduled=False``, reason
``Unschedulable``, with the plan's message — only when that verdict changed:
the same verdict in the next cycle writes nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from .api import Api, ApiError

__all__ = ["Reporter", "rfc3339"]

log = logging.getLogger("npusched.scheduler")


def rfc3339(t: float, micro: bool = False) -> str:
    d = dt.datetime.fromtimestamp(t, dt.timezone.utc)
    return d.strftime("%Y-%m-%dT%H:%M:%S.%fZ" if micro else "%Y-%m-%dT%H:%M:%SZ")


def _scheduled_condition(pod: dict[str, Any]) -> dict[str, Any] | None:
    for c in (pod.get("status") or {}).get("conditions") or []:
        if isinstance(c, dict) and c.get("type") == "PodScheduled":
            return c
    return None


class Reporter:
    def __init__(
        self,
        api: Api,
        *,
        component: str,
        instance: str,
        acting: Callable[[], bool],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.api, self.component, self.instance, self.acting, self.clock = api, component, instance, acting, clock
        self._verdicts: dict[str, tuple[str, str]] = {}
        self._lock = threading.Lock()
        self._serial = 0

    def event(self, obj: dict[str, Any], type_: str, reason: str, message: str) -> bool:
        """Creates an Event about ``obj`` (a pod, PodGroup, ...); False when it could not."""
        if not self.acting():
            return False
        md = obj.get("metadata") or {}
        namespace = md.get("namespace") or "default"
        now = self.clock()
        with self._lock:
            self._serial += 1
            serial = self._serial
        body = {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": f"{md.get('name', 'object')}.{int(now * 1e9):x}{serial:x}", "namespace": namespace},
            "involvedObject": {
                "apiVersion": obj.get("apiVersion", "v1"),
                "kind": obj.get("kind", "Pod"),
                "namespace": namespace,
                "name": md.get("name", ""),
                "uid": md.get("uid", ""),
                "resourceVersion": md.get("resourceVersion", ""),
            },
            "reason": reason,
            "message": message[:1024],
            "type": type_,
            "source": {"component": self.component},
            "reportingComponent": self.component,
            "reportingInstance": self.instance,
            "firstTimestamp": rfc3339(now),
            "lastTimestamp": rfc3339(now),
            "count": 1,
        }
        try:
            self.api.create_event(namespace, body)
            return True
        except ApiError as e:
            log.warning("event %s on %s %s/%s not written: %s", reason, body["involvedObject"]["kind"], namespace, md.get("name"), e)
            return False

    def unschedulable(self, pod: dict[str, Any], reason: str, message: str) -> bool:
        """Reports a pod the plan did not place; True when something was written."""
        md = pod.get("metadata") or {}
        key = f"{md.get('namespace', 'default')}/{md.get('name', '')}"
        verdict = (reason, message)
        with self._lock:
            if self._verdicts.get(key) == verdict:
                return False
        c = _scheduled_condition(pod)
        already = bool(c and c.get("status") == "False" and c.get("reason") == "Unschedulable" and c.get("message") == message)
        if not already:
            if not self.acting():
                return False
            log.info("unschedulable %s: %s: %s", key, reason, message)
            self.event(pod, "Warning", "FailedScheduling", f"{reason}: {message}")
            condition = {
                "type": "PodScheduled",
                "status": "False",
                "reason": "Unschedulable",
                "message": message,
                "lastTransitionTime": rfc3339(self.clock()),
                "lastProbeTime": None,
            }
            try:
                self.api.patch_pod_status(md.get("namespace", "default"), md.get("name", ""), {"status": {"conditions": [condition]}})
            except ApiError as e:
                log.warning("condition PodScheduled=False on %s not written: %s", key, e)
                return False
        with self._lock:
            self._verdicts[key] = verdict
        return not already

    def forget(self, key: str) -> None:
        """The pod was placed or is gone: a later verdict is news again."""
        with self._lock:
            self._verdicts.pop(key, None)

    def forget_except(self, keys: set[str]) -> None:
        with self._lock:
            for k in [k for k in self._verdicts if k not in keys]:
                del self._verdicts[k]
