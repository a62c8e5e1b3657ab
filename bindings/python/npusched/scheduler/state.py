"""The state ConfigMap: what the scheduler must not lose on a restart.

``data["state"]`` is the fault state ``Cluster.faults`` returns (retry
budgets, fault times, rounds in progress), passed back on the next call;
``data["half-bound-gangs"]`` is a JSON array of the gangs whose binding stopped
part-way. Written after a cycle that changed either (with the resourceVersion
read last: a conflict re-reads and writes again), read on start and whenever
this replica becomes the leader.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from .api import Api, ApiError
from .backend import BackendError

__all__ = ["StateStore"]

log = logging.getLogger("npusched.scheduler")

STATE_KEY = "state"
GANGS_KEY = "half-bound-gangs"


def _text(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


class StateStore:
    def __init__(self, api: Api, namespace: str, name: str, *, component: str = "npusched") -> None:
        self.api, self.namespace, self.name, self.component = api, namespace, name, component
        self.state: Any = None
        self.gangs: list[dict[str, Any]] = []
        self._version = ""
        self._written: tuple[str, str] | None = None

    @property
    def where(self) -> str:
        return f"ConfigMap {self.namespace}/{self.name}"

    def load(self) -> None:
        """Reads the ConfigMap (absent: an empty state). Unreadable content is
        logged and replaced by an empty state at the next write."""
        cm = self.api.get_configmap(self.namespace, self.name)
        self.state, self.gangs, self._version, self._written = None, [], "", None
        if cm is None:
            log.info("%s absent: starting with an empty fault state", self.where)
            return
        self._version = str((cm.get("metadata") or {}).get("resourceVersion") or "")
        data = cm.get("data") or {}
        try:
            self.state = json.loads(data[STATE_KEY]) if data.get(STATE_KEY) else None
        except ValueError as e:
            log.error("%s: data[%r] is not JSON (%s); starting with an empty fault state", self.where, STATE_KEY, e)
        try:
            gangs = json.loads(data[GANGS_KEY]) if data.get(GANGS_KEY) else []
            self.gangs = [g for g in gangs if isinstance(g, dict)] if isinstance(gangs, list) else []
        except ValueError as e:
            log.error("%s: data[%r] is not JSON (%s); dropping the half-bound records", self.where, GANGS_KEY, e)
        self._written = (_text(self.state), _text(self.gangs))
        log.info("%s loaded: %d fault job(s), %d half-bound gang record(s)", self.where,
                 len((self.state or {}).get("jobs", [])) if isinstance(self.state, dict) else 0, len(self.gangs))

    def _body(self) -> dict[str, Any]:
        md: dict[str, Any] = {
            "name": self.name,
            "namespace": self.namespace,
            "labels": {"app.kubernetes.io/managed-by": self.component},
        }
        if self._version:
            md["resourceVersion"] = self._version
        return {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": md,
            "data": {STATE_KEY: _text(self.state) if self.state is not None else "", GANGS_KEY: _text(self.gangs)},
        }

    def save(self, attempts: int = 5) -> bool:
        """Writes the ConfigMap when its content changed; True when it wrote."""
        content = (_text(self.state), _text(self.gangs))
        if content == self._written:
            return False
        for _ in range(attempts):
            try:
                if self._version:
                    cm = self.api.replace_configmap(self.namespace, self.name, self._body())
                else:
                    cm = self.api.create_configmap(self.namespace, self._body())
                self._version = str((cm.get("metadata") or {}).get("resourceVersion") or "")
                self._written = content
                self.api.metrics.state_writes.inc()
                return True
            except ApiError as e:
                if e.status not in (409, 404):
                    raise
                # Someone else wrote it (or it vanished): read its version and write ours again.
                current = self.api.get_configmap(self.namespace, self.name)
                self._version = str(((current or {}).get("metadata") or {}).get("resourceVersion") or "")
                log.info("%s: %s on write; re-read (version %s), writing again", self.where, e.code, self._version or "none")
        raise ApiError("update configmap", BackendError(409, "http", "the state ConfigMap kept changing under us"))
