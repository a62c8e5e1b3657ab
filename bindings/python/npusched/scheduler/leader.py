"""Leader election on a ``coordination.k8s.io/v1`` Lease.

Only the leader plans, binds, deletes and writes; the others keep their model
warm from the watches and take over when the lease expires. The rules are
client-go's: a lease held by someone else is taken over only after it has
gone unrenewed for ``lease_duration`` seconds *of our own clock* (the time
since we last saw its record change, so clock skew between replicas does not
matter); the leader renews every ``retry_period`` seconds and stops acting
as soon as ``renew_deadline`` seconds pass without a successful renewal, or
the moment it finds the lease held by another.

The ``kubernetes`` client's own ``leaderelection`` module has a Lease lock,
but its loop blocks for good, cannot be stopped or asked "am I leading now",
and never releases the lease, so this small one is used instead.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from .api import Api, ApiError
from .metrics import Metrics
from .report import rfc3339

__all__ = ["LeaseElector"]

log = logging.getLogger("npusched.scheduler")


class LeaseElector:
    def __init__(
        self,
        api: Api,
        metrics: Metrics,
        namespace: str,
        name: str,
        identity: str,
        *,
        lease_duration: float = 15.0,
        renew_deadline: float = 10.0,
        retry_period: float = 2.0,
        monotonic: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.api, self.metrics = api, metrics
        self.namespace, self.name, self.identity = namespace, name, identity
        self.lease_duration, self.renew_deadline, self.retry_period = lease_duration, renew_deadline, retry_period
        self.monotonic, self.wall = monotonic, wall
        self.term = 0  # +1 each time this replica becomes the leader
        self._leading = False
        self._renewed = 0.0
        self._observed: tuple[Any, ...] | None = None
        self._observed_at = 0.0
        self._lock = threading.Lock()

    @property
    def where(self) -> str:
        return f"Lease {self.namespace}/{self.name}"

    def is_leader(self) -> bool:
        """True while the lease is ours and was renewed within ``renew_deadline``."""
        with self._lock:
            if self._leading and self.monotonic() - self._renewed >= self.renew_deadline:
                self._lose("not renewed within %.0fs" % self.renew_deadline)
            return self._leading

    def _lose(self, why: str) -> None:
        if self._leading:
            log.warning("lost %s: %s; stopping at once", self.where, why)
        self._leading = False
        self.metrics.is_leader.set(0)

    def _spec(self, acquire_time: str, transitions: int, holder: str | None = None, duration: float | None = None) -> dict[str, Any]:
        now = rfc3339(self.wall(), micro=True)
        return {
            "holderIdentity": holder if holder is not None else self.identity,
            "leaseDurationSeconds": int(duration if duration is not None else self.lease_duration),
            "acquireTime": acquire_time or now,
            "renewTime": now,
            "leaseTransitions": transitions,
        }

    def try_acquire_or_renew(self) -> bool:
        """One round: take or renew the lease. True when we hold it afterwards."""
        try:
            lease = self.api.get_lease(self.namespace, self.name)
            if lease is None:
                body = {
                    "apiVersion": "coordination.k8s.io/v1",
                    "kind": "Lease",
                    "metadata": {"name": self.name, "namespace": self.namespace},
                    "spec": self._spec("", 0),
                }
                self.api.create_lease(self.namespace, body)
                return self._won(first=True)
            spec = lease.get("spec") or {}
            holder = spec.get("holderIdentity") or ""
            record = (holder, spec.get("renewTime"), spec.get("leaseDurationSeconds"), spec.get("leaseTransitions"))
            now = self.monotonic()
            if record != self._observed:
                self._observed, self._observed_at = record, now
            transitions = int(spec.get("leaseTransitions") or 0)
            acquire = str(spec.get("acquireTime") or "")
            if holder != self.identity:
                duration = float(spec.get("leaseDurationSeconds") or self.lease_duration)
                if holder and now - self._observed_at < duration:
                    with self._lock:
                        if self._leading:
                            self._lose(f"held by {holder}")
                    return False
                transitions, acquire = transitions + 1, ""
            lease["spec"] = self._spec(acquire, transitions)
            self.api.replace_lease(self.namespace, self.name, lease)
            return self._won(first=holder != self.identity)
        except ApiError as e:
            if e.status != 409:
                log.warning("%s: %s", self.where, e)
            with self._lock:
                if self._leading and e.status == 409:
                    self._lose("the lease changed under us")
            return self.is_leader()

    def _won(self, first: bool) -> bool:
        with self._lock:
            if not self._leading:
                self.term += 1
                log.info("became the leader (%s, identity %s)", self.where, self.identity)
            self._leading = True
            self._renewed = self.monotonic()
            self.metrics.is_leader.set(1)
        return True

    def run(self, stop: threading.Event) -> None:
        """Campaigns and renews every ``retry_period`` until ``stop``."""
        while not stop.is_set():
            self.try_acquire_or_renew()
            stop.wait(self.retry_period)

    def release(self) -> None:
        """Gives the lease up (a clean shutdown), so another replica need not wait for it to expire."""
        with self._lock:
            leading = self._leading
            self._lose("released")
        if not leading:
            return
        try:
            lease = self.api.get_lease(self.namespace, self.name)
            if lease and (lease.get("spec") or {}).get("holderIdentity") == self.identity:
                spec = lease["spec"]
                lease["spec"] = self._spec(str(spec.get("acquireTime") or ""), int(spec.get("leaseTransitions") or 0), holder="", duration=1)
                self.api.replace_lease(self.namespace, self.name, lease)
                log.info("released %s", self.where)
        except ApiError as e:
            log.warning("%s not released: %s", self.where, e)
