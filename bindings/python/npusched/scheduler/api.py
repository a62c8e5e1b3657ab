"""API calls with retries: capped exponential backoff with jitter, every failed
attempt counted by verb and code.

What is retried: no reply (timeouts, connection errors), 429 and 5xx, and 409
for patches (a merge patch carries no precondition, so a conflict is the
server's and trying again is right). Other errors (404, 403, 422, a 409 on
create or bind) go back to the caller at once: they are answers, not
accidents. The jitter comes from a ``random.Random`` seeded by the caller
(the replica's identity), so a run can be replayed.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable, Iterator
from typing import Any, Protocol, TypeVar

from .backend import BackendError, Stream
from .metrics import Metrics

__all__ = ["Api", "ApiError", "Backend", "Backoff"]

log = logging.getLogger("npusched.scheduler")
T = TypeVar("T")


class Backend(Protocol):
    """What :class:`ClientBackend` (and the tests' fake) provide."""

    def list(self, s: Stream) -> tuple[list[dict[str, Any]], str]: ...
    def watch(self, s: Stream, resource_version: str, timeout_seconds: int) -> Iterator[tuple[str, dict[str, Any]]]: ...
    def get_pod(self, namespace: str, name: str) -> dict[str, Any] | None: ...
    def patch_pod(self, namespace: str, name: str, body: dict[str, Any]) -> dict[str, Any]: ...
    def patch_pod_status(self, namespace: str, name: str, body: dict[str, Any]) -> None: ...
    def bind_pod(self, namespace: str, name: str, uid: str, node: str) -> None: ...
    def delete_pod(self, namespace: str, name: str, uid: str, grace_seconds: int | None) -> bool: ...
    def create_event(self, namespace: str, body: dict[str, Any]) -> None: ...
    def get_configmap(self, namespace: str, name: str) -> dict[str, Any] | None: ...
    def create_configmap(self, namespace: str, body: dict[str, Any]) -> dict[str, Any]: ...
    def replace_configmap(self, namespace: str, name: str, body: dict[str, Any]) -> dict[str, Any]: ...
    def get_lease(self, namespace: str, name: str) -> dict[str, Any] | None: ...
    def create_lease(self, namespace: str, body: dict[str, Any]) -> dict[str, Any]: ...
    def replace_lease(self, namespace: str, name: str, body: dict[str, Any]) -> dict[str, Any]: ...


class ApiError(Exception):
    """A call that failed for good (not retryable, or out of attempts)."""

    def __init__(self, verb: str, error: BackendError) -> None:
        super().__init__(f"{verb}: {error.code}: {error.message or error.reason}")
        self.verb, self.status, self.code, self.message = verb, error.status, error.code, error.message


def _transient(e: BackendError, conflict: bool) -> bool:
    if e.status is None:
        return True
    return e.status == 429 or e.status >= 500 or (conflict and e.status == 409)


class Backoff:
    """Delays ``min(cap, base · 2^attempt)``, each scaled by a factor in [0.5, 1)
    drawn from a seeded generator."""

    def __init__(self, seed: int, base: float = 0.1, cap: float = 5.0) -> None:
        self.base, self.cap = base, cap
        self._rng = random.Random(seed)
        self._lock = threading.Lock()

    def delay(self, attempt: int) -> float:
        with self._lock:
            factor = 0.5 + self._rng.random() / 2
        return float(min(self.cap, self.base * (2**attempt)) * factor)


class Api:
    """The scheduler's API calls over a backend, with retries and error counts."""

    def __init__(
        self,
        backend: Backend,
        metrics: Metrics,
        backoff: Backoff,
        *,
        attempts: int = 5,
        stop: threading.Event | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.backend, self.metrics, self.backoff, self.attempts = backend, metrics, backoff, attempts
        self.stop = stop or threading.Event()
        self._sleep = sleep or self.stop.wait

    def call(self, verb: str, fn: Callable[..., T], *args: Any, conflict: bool = False, attempts: int | None = None) -> T:
        """``fn(*args)``, retried while the error is transient; raises :class:`ApiError`."""
        limit = attempts or self.attempts
        for attempt in range(limit):
            try:
                return fn(*args)
            except BackendError as e:
                self.metrics.api_errors.inc(verb, e.code)
                if not _transient(e, conflict) or attempt + 1 == limit or self.stop.is_set():
                    raise ApiError(verb, e) from None
                delay = self.backoff.delay(attempt)
                log.warning("%s failed (%s: %s); retry %d/%d in %.2fs", verb, e.code, e.message or e.reason, attempt + 1, limit - 1, delay)
                self._sleep(delay)
        raise AssertionError("unreachable")

    # The calls, by verb (the verb is the metric label).
    def list(self, s: Stream) -> tuple[list[dict[str, Any]], str]:
        return self.call(f"list {s.kind}", self.backend.list, s)

    def get_pod(self, ns: str, name: str) -> dict[str, Any] | None:
        return self.call("get pod", self.backend.get_pod, ns, name)

    def patch_pod(self, ns: str, name: str, body: dict[str, Any]) -> dict[str, Any]:
        return self.call("patch pod", self.backend.patch_pod, ns, name, body, conflict=True)

    def patch_pod_status(self, ns: str, name: str, body: dict[str, Any]) -> None:
        self.call("patch pod/status", self.backend.patch_pod_status, ns, name, body, conflict=True)

    def bind_pod(self, ns: str, name: str, uid: str, node: str) -> None:
        self.call("create pod/binding", self.backend.bind_pod, ns, name, uid, node)

    def delete_pod(self, ns: str, name: str, uid: str, grace: int | None) -> bool:
        return self.call("delete pod", self.backend.delete_pod, ns, name, uid, grace)

    def create_event(self, ns: str, body: dict[str, Any]) -> None:
        self.call("create event", self.backend.create_event, ns, body, attempts=2)

    def get_configmap(self, ns: str, name: str) -> dict[str, Any] | None:
        return self.call("get configmap", self.backend.get_configmap, ns, name)

    def create_configmap(self, ns: str, body: dict[str, Any]) -> dict[str, Any]:
        return self.call("create configmap", self.backend.create_configmap, ns, body)

    def replace_configmap(self, ns: str, name: str, body: dict[str, Any]) -> dict[str, Any]:
        return self.call("update configmap", self.backend.replace_configmap, ns, name, body)

    # The lease is tried once per election round: the election has its own cadence.
    def get_lease(self, ns: str, name: str) -> dict[str, Any] | None:
        return self.call("get lease", self.backend.get_lease, ns, name, attempts=1)

    def create_lease(self, ns: str, body: dict[str, Any]) -> dict[str, Any]:
        return self.call("create lease", self.backend.create_lease, ns, body, attempts=1)

    def replace_lease(self, ns: str, name: str, body: dict[str, Any]) -> dict[str, Any]:
        return self.call("update lease", self.backend.replace_lease, ns, name, body, attempts=1)
