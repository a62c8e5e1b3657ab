"""List-then-watch of every kind the model reads, feeding ``npusched.Cluster``.

One :class:`Informer` thread per :class:`Stream`. Each lists, then watches from
the list's ``resourceVersion`` and resumes from the last version it saw when a
watch ends. On ``410 Gone`` it lists again and turns the difference with what
it holds (a name → resourceVersion map per stream) into ``ADDED``,
``MODIFIED`` and ``DELETED`` events for that stream only, so the rest of the
model is untouched.

:class:`Feed` is the one writer of the model. It also holds:

- the objects as the server sent them (the cycle needs a pod's UID, grace
  period and conditions; the gang records need its group);
- *assumed* pods: a pod just bound is applied at once with its node and
  annotations, so the next cycle does not place it again; the watch's events
  for it up to the version the binder saw are dropped, the first newer one
  replaces the assumption;
- malformed objects (the model refused them), for the cycle to report.
"""

from __future__ import annotations

import copy
import logging
import threading
from typing import Any

from .._errors import InvalidInput
from .api import Api, ApiError
from .backend import BackendError, Stream
from .metrics import Metrics

__all__ = ["Feed", "Informer", "STREAMS", "key_of", "newer"]

log = logging.getLogger("npusched.scheduler")

GROUP_ANNOTATION = "scheduling.k8s.io/group-name"

# The kinds the model reads (docs/kubernetes.md), ConfigMaps in the namespaces
# MindCluster and Volcano write them to; LeaderWorkerSets are watched too.
STREAMS = (
    Stream("Node"),
    Stream("Pod"),
    Stream("ConfigMap", "kube-system"),
    Stream("ConfigMap", "mindx-dl"),
    Stream("ConfigMap", "volcano-system"),
    Stream("ReplicaSet"),
    Stream("PodGroup", group="scheduling.volcano.sh", version="v1beta1", plural="podgroups"),
    Stream("LeaderWorkerSet", group="leaderworkerset.x-k8s.io", version="v1", plural="leaderworkersets"),
)


def key_of(obj: dict[str, Any]) -> str:
    """``namespace/name`` (``name`` for cluster-scoped objects)."""
    md = obj.get("metadata") or {}
    ns = md.get("namespace")
    return f"{ns}/{md.get('name', '')}" if ns else str(md.get("name", ""))


def _version(obj: dict[str, Any]) -> str:
    return str((obj.get("metadata") or {}).get("resourceVersion") or "")


def newer(a: str, b: str) -> bool:
    """Whether version ``a`` is strictly newer than ``b`` (decimal, as etcd's are);
    versions that do not compare are taken as newer when they differ."""
    if a.isdigit() and b.isdigit():
        return int(a) > int(b)
    return a != b


class Feed:
    """The model and what the scheduler keeps beside it; every method is thread-safe."""

    def __init__(self, cluster: Any, metrics: Metrics, *, scheduler_name: str, namespace: str | None = None) -> None:
        self.cluster = cluster
        self.metrics = metrics
        self.scheduler_name = scheduler_name
        self.namespace = namespace
        self.changed = threading.Event()
        self._lock = threading.RLock()
        self._objects: dict[str, dict[str, dict[str, Any]]] = {}  # kind -> key -> object
        self._versions: dict[str, dict[str, str]] = {}  # stream -> key -> resourceVersion
        self._assumed: dict[str, str] = {}  # pod key -> version the binder saw
        self._malformed: list[tuple[str, dict[str, Any], str]] = []

    # -- reading --------------------------------------------------------------

    def get(self, kind: str, key: str) -> dict[str, Any] | None:
        with self._lock:
            obj = self._objects.get(kind, {}).get(key)
            return copy.deepcopy(obj) if obj is not None else None

    def has(self, kind: str, key: str) -> bool:
        with self._lock:
            return key in self._objects.get(kind, {})

    def keys(self, kind: str) -> list[str]:
        with self._lock:
            return sorted(self._objects.get(kind, {}))

    def group_of(self, pod_key: str) -> str:
        """``namespace/group`` of a pod's gang, or "" (the pod is its own job)."""
        pod = self._objects.get("Pod", {}).get(pod_key)
        if not pod:
            return ""
        group = ((pod.get("metadata") or {}).get("annotations") or {}).get(GROUP_ANNOTATION)
        return f"{pod_key.split('/', 1)[0]}/{group}" if group else ""

    def group_members(self, group: str) -> dict[str, str]:
        """The pods of gang ``namespace/group`` held now: pod key -> node ("" when pending)."""
        ns, _, name = group.partition("/")
        with self._lock:
            return {
                k: str((p.get("spec") or {}).get("nodeName") or "")
                for k, p in self._objects.get("Pod", {}).items()
                if k.split("/", 1)[0] == ns
                and ((p.get("metadata") or {}).get("annotations") or {}).get(GROUP_ANNOTATION) == name
            }

    def take_malformed(self) -> list[tuple[str, dict[str, Any], str]]:
        with self._lock:
            out, self._malformed = self._malformed, []
            return out

    def assumed(self) -> dict[str, str]:
        with self._lock:
            return dict(self._assumed)

    # -- writing --------------------------------------------------------------

    def _out_of_scope(self, obj: dict[str, Any]) -> bool:
        """A pending pod of ours in another namespace than ``--namespace`` is
        another scheduler's business: the model does not see it until it is bound."""
        if not self.namespace or obj.get("kind") != "Pod":
            return False
        md, spec = obj.get("metadata") or {}, obj.get("spec") or {}
        return bool(
            md.get("namespace", "default") != self.namespace
            and spec.get("schedulerName") == self.scheduler_name
            and not spec.get("nodeName")
        )

    def _apply(self, stream: Stream, kind: str, obj: dict[str, Any]) -> bool:
        """Applies one event under the lock; True when the model changed."""
        key = key_of(obj)
        store = self._objects.setdefault(stream.kind, {})
        versions = self._versions.setdefault(stream.name, {})
        if stream.kind == "Pod" and key in self._assumed:
            if kind != "DELETED" and not newer(_version(obj), self._assumed[key]):
                versions[key] = _version(obj)
                return False  # older than what the binder already applied
            del self._assumed[key]
        if kind != "DELETED" and self._out_of_scope(obj):
            if key not in store:
                versions[key] = _version(obj)
                return False
            kind = "DELETED"
        try:
            outcome = self.cluster.apply({"type": kind, "object": obj})
        except InvalidInput as e:
            self.metrics.malformed.inc(stream.kind)
            self._malformed.append((stream.kind, obj, str(e)))
            log.error("malformed %s %s skipped: %s", stream.kind, key, e)
            versions[key] = _version(obj)
            return False
        if kind == "DELETED":
            store.pop(key, None)
            versions.pop(key, None)
        else:
            store[key] = obj
            versions[key] = _version(obj)
        self.metrics.events.inc(stream.name)
        return bool(outcome["outcome"] == "applied")

    def apply(self, stream: Stream, kind: str, obj: dict[str, Any]) -> None:
        with self._lock:
            if self._apply(stream, kind, obj):
                self.changed.set()

    def relist(self, stream: Stream, items: list[dict[str, Any]]) -> int:
        """Brings the stream's objects to ``items``: the difference as events.
        Returns how many events it took."""
        with self._lock:
            held = dict(self._versions.get(stream.name, {}))
            store = self._objects.get(stream.kind, {})
            events: list[tuple[str, dict[str, Any]]] = []
            seen = set()
            for item in items:
                key = key_of(item)
                seen.add(key)
                if key not in held:
                    events.append(("ADDED", item))
                elif held[key] != _version(item):
                    events.append(("MODIFIED", item))
            for key in sorted(set(held) - seen):
                gone = store.get(key) or {"kind": stream.kind, "metadata": _metadata_of(key)}
                events.append(("DELETED", gone))
                if key in self._assumed:
                    del self._assumed[key]
            changed = False
            for kind, obj in events:
                changed |= self._apply(stream, kind, obj)
            if changed:
                self.changed.set()
            return len(events)

    def assume(self, pod: dict[str, Any]) -> None:
        """Applies a pod the binder has just bound (its node and annotations set)."""
        with self._lock:
            stream = next(s for s in STREAMS if s.kind == "Pod")
            key = key_of(pod)
            self._assumed.pop(key, None)
            self._apply(stream, "MODIFIED", pod)
            self._assumed[key] = _version(pod)


def _metadata_of(key: str) -> dict[str, str]:
    ns, _, name = key.rpartition("/")
    return {"namespace": ns, "name": name} if ns else {"name": name}


class Informer(threading.Thread):
    """List, then watch, one stream, forever (until ``stop``)."""

    def __init__(
        self,
        stream: Stream,
        api: Api,
        feed: Feed,
        stop: threading.Event,
        *,
        watch_timeout: int = 300,
        absent_retry: float = 30.0,
        optional: bool = False,
    ) -> None:
        super().__init__(name=f"npusched-watch-{stream.name}", daemon=True)
        self.stream, self.api, self.feed, self.stop = stream, api, feed, stop
        self.watch_timeout, self.absent_retry, self.optional = watch_timeout, absent_retry, optional
        self.synced = threading.Event()
        self.resource_version = ""
        self.relists = 0
        self._absent_logged = False
        self.need_list = True
        self.failures = 0

    def list_once(self) -> bool:
        """One list into the feed; False when the kind is absent (an optional CRD)."""
        try:
            items, rv = self.api.list(self.stream)
        except ApiError as e:
            if e.status == 404 and self.optional:
                if not self._absent_logged:
                    log.warning("%s: not served by this API server (CRD absent?); retrying every %.0fs",
                                self.stream.name, self.absent_retry)
                    self._absent_logged = True
                self.synced.set()
                return False
            raise
        if self._absent_logged:
            log.info("%s: now served", self.stream.name)
            self._absent_logged = False
        self.feed.relist(self.stream, items)
        self.resource_version = rv
        self.synced.set()
        return True

    def run(self) -> None:
        while not self.stop.is_set():
            self.step()

    def step(self) -> None:
        """One list (when due) and one watch until the server ends it; every
        error is handled here (410: relist; others: backoff, then resume)."""
        try:
            if self.need_list:
                if not self.list_once():
                    self.stop.wait(self.absent_retry)
                    return
                self.need_list = False
            for kind, obj in self.api.backend.watch(self.stream, self.resource_version, self.watch_timeout):
                if self.stop.is_set():
                    return
                self.failures = 0
                if not isinstance(obj, dict):
                    continue
                if kind == "BOOKMARK":
                    self.resource_version = _version(obj) or self.resource_version
                    continue
                if kind not in ("ADDED", "MODIFIED", "DELETED"):
                    continue
                self.feed.apply(self.stream, kind, obj)
                self.resource_version = _version(obj) or self.resource_version
        except (ApiError, BackendError) as e:
            if isinstance(e, BackendError):
                self.api.metrics.api_errors.inc(f"watch {self.stream.kind}", e.code)
            if e.status == 410:
                log.info("%s: watch expired (410 Gone) at %s; relisting", self.stream.name, self.resource_version)
                self.relists += 1
                self.api.metrics.relists.inc(self.stream.name)
                self.need_list = True
                return
            delay = self.api.backoff.delay(min(self.failures, 8))
            self.failures += 1
            log.warning("%s: %s; again in %.1fs", self.stream.name, e, delay)
            self.stop.wait(delay)
        except Exception:  # never let one stream's surprise end the scheduler
            log.exception("%s: unexpected error; relisting", self.stream.name)
            self.need_list = True
            self.stop.wait(self.api.backoff.delay(min(self.failures, 8)))
            self.failures += 1
