"""An in-memory stand-in for the API calls of ``npusched.scheduler.backend.ClientBackend``,
for what a real API server cannot easily be made to do: fail on purpose (409, 5xx,
timeouts), expire a watch (410), lose a lease. Objects are plain dicts; every write
bumps a global resourceVersion and records a watch event, as the server would."""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Iterator
from typing import Any

from npusched.scheduler.backend import BackendError, Stream

NPU = "huawei.com/Ascend910"


def _key(obj: dict[str, Any]) -> tuple[str, str]:
    md = obj["metadata"]
    return md.get("namespace", ""), md["name"]


class FakeBackend:
    def __init__(self) -> None:
        self.rv = 100
        self.objects: dict[str, dict[tuple[str, str], dict[str, Any]]] = {}
        self.log: list[tuple[int, str, str, dict[str, Any]]] = []  # (rv, kind, type, object)
        self.calls: list[tuple[str, ...]] = []
        self.failures: dict[str, list[BackendError]] = {}  # verb -> errors to raise, in order
        self.gone_before = 0  # a watch from a version below this gets 410
        self.absent_kinds: set[str] = set()
        self.lock = threading.RLock()
        self.on_call: dict[str, Any] = {}  # verb -> callable(*args) run before the call

    # -- test helpers -----------------------------------------------------

    def fail(self, verb: str, *errors: BackendError) -> None:
        self.failures.setdefault(verb, []).extend(errors)

    def _maybe_fail(self, verb: str, *args: Any) -> None:
        self.calls.append((verb, *[str(a) for a in args]))
        hook = self.on_call.get(verb)
        if hook:
            hook(*args)
        queue = self.failures.get(verb)
        if queue:
            raise queue.pop(0)

    def put(self, obj: dict[str, Any], kind: str = "") -> dict[str, Any]:
        """Creates or replaces an object (as a controller or kubelet would)."""
        with self.lock:
            obj = copy.deepcopy(obj)
            kind = kind or obj["kind"]
            store = self.objects.setdefault(kind, {})
            k = _key(obj)
            event = "MODIFIED" if k in store else "ADDED"
            self.rv += 1
            obj["metadata"]["resourceVersion"] = str(self.rv)
            obj["metadata"].setdefault("uid", f"uid-{obj['metadata']['name']}-{self.rv}")
            store[k] = obj
            self.log.append((self.rv, kind, event, copy.deepcopy(obj)))
            return copy.deepcopy(obj)

    def remove(self, kind: str, namespace: str, name: str) -> None:
        with self.lock:
            obj = self.objects.get(kind, {}).pop((namespace, name))
            self.rv += 1
            obj["metadata"]["resourceVersion"] = str(self.rv)
            self.log.append((self.rv, kind, "DELETED", copy.deepcopy(obj)))

    def pod(self, namespace: str, name: str) -> dict[str, Any] | None:
        with self.lock:
            p = self.objects.get("Pod", {}).get((namespace, name))
            return copy.deepcopy(p) if p else None

    def verbs(self, verb: str) -> list[tuple[str, ...]]:
        return [c for c in self.calls if c[0] == verb]

    # -- list and watch -----------------------------------------------------

    def _match(self, s: Stream, kind: str, obj: dict[str, Any]) -> bool:
        return kind == s.kind and (not s.namespace or obj["metadata"].get("namespace") == s.namespace)

    def list(self, s: Stream) -> tuple[list[dict[str, Any]], str]:
        self._maybe_fail("list", s.name)
        if s.kind in self.absent_kinds:
            raise BackendError(404, "http", "the server could not find the requested resource")
        with self.lock:
            items = [copy.deepcopy(o) for o in self.objects.get(s.kind, {}).values() if self._match(s, s.kind, o)]
            return items, str(self.rv)

    def watch(self, s: Stream, resource_version: str, timeout_seconds: int) -> Iterator[tuple[str, dict[str, Any]]]:
        """The events after ``resource_version`` so far, then the watch ends."""
        self._maybe_fail("watch", s.name)
        if int(resource_version or 0) < self.gone_before:
            raise BackendError(410, "http", "too old resource version")
        with self.lock:
            events = [(t, copy.deepcopy(o)) for rv, k, t, o in self.log if rv > int(resource_version or 0) and self._match(s, k, o)]
        yield from events

    # -- pods ---------------------------------------------------------------

    def get_pod(self, namespace: str, name: str) -> dict[str, Any] | None:
        self._maybe_fail("get_pod", namespace, name)
        return self.pod(namespace, name)

    def patch_pod(self, namespace: str, name: str, body: dict[str, Any]) -> dict[str, Any]:
        self._maybe_fail("patch_pod", namespace, name, json.dumps(body, sort_keys=True))
        with self.lock:
            pod = self.pod(namespace, name)
            if pod is None:
                raise BackendError(404, "http", f'pods "{name}" not found')
            ann = pod["metadata"].setdefault("annotations", {})
            ann.update((body.get("metadata") or {}).get("annotations") or {})
            return self.put(pod, "Pod")

    def patch_pod_status(self, namespace: str, name: str, body: dict[str, Any]) -> None:
        self._maybe_fail("patch_pod_status", namespace, name, json.dumps(body, sort_keys=True))
        with self.lock:
            pod = self.pod(namespace, name)
            if pod is None:
                raise BackendError(404, "http", f'pods "{name}" not found')
            conditions = pod.setdefault("status", {}).setdefault("conditions", [])
            for c in body["status"]["conditions"]:
                conditions[:] = [x for x in conditions if x["type"] != c["type"]] + [c]
            self.put(pod, "Pod")

    def bind_pod(self, namespace: str, name: str, uid: str, node: str) -> None:
        self._maybe_fail("bind_pod", namespace, name, node)
        with self.lock:
            pod = self.pod(namespace, name)
            if pod is None:
                raise BackendError(404, "http", f'pods "{name}" not found')
            if uid and pod["metadata"]["uid"] != uid:
                raise BackendError(409, "http", "uid precondition failed")
            if pod["spec"].get("nodeName"):
                raise BackendError(409, "http", f"pod {name} is already assigned to node {pod['spec']['nodeName']}")
            pod["spec"]["nodeName"] = node
            self.put(pod, "Pod")

    def delete_pod(self, namespace: str, name: str, uid: str, grace_seconds: int | None) -> bool:
        self._maybe_fail("delete_pod", namespace, name, str(grace_seconds))
        with self.lock:
            pod = self.pod(namespace, name)
            if pod is None:
                return False
            if uid and pod["metadata"]["uid"] != uid:
                raise BackendError(409, "http", "uid precondition failed")
            if grace_seconds == 0 or not pod["spec"].get("nodeName"):
                self.remove("Pod", namespace, name)
            else:
                pod["metadata"]["deletionTimestamp"] = "2024-01-01T00:00:00Z"
                pod["metadata"]["deletionGracePeriodSeconds"] = grace_seconds
                self.put(pod, "Pod")
            return True

    # -- events, ConfigMaps, Leases -----------------------------------------

    def create_event(self, namespace: str, body: dict[str, Any]) -> None:
        self._maybe_fail("create_event", namespace, body["reason"])
        with self.lock:
            self.objects.setdefault("Event", {})[(namespace, body["metadata"]["name"])] = copy.deepcopy(body)

    def events(self, reason: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
            return [e for e in self.objects.get("Event", {}).values() if reason is None or e["reason"] == reason]

    def _get(self, kind: str, namespace: str, name: str, verb: str) -> dict[str, Any] | None:
        self._maybe_fail(verb, namespace, name)
        with self.lock:
            o = self.objects.get(kind, {}).get((namespace, name))
            return copy.deepcopy(o) if o else None

    def _create(self, kind: str, namespace: str, body: dict[str, Any], verb: str) -> dict[str, Any]:
        self._maybe_fail(verb, namespace, body["metadata"]["name"])
        with self.lock:
            if (namespace, body["metadata"]["name"]) in self.objects.get(kind, {}):
                raise BackendError(409, "http", "already exists")
            body = copy.deepcopy(body)
            body["metadata"]["namespace"] = namespace
            return self.put(body, kind)

    def _replace(self, kind: str, namespace: str, name: str, body: dict[str, Any], verb: str) -> dict[str, Any]:
        self._maybe_fail(verb, namespace, name)
        with self.lock:
            current = self.objects.get(kind, {}).get((namespace, name))
            if current is None:
                raise BackendError(404, "http", "not found")
            if body["metadata"].get("resourceVersion") != current["metadata"]["resourceVersion"]:
                raise BackendError(409, "http", "the object has been modified")
            body = copy.deepcopy(body)
            body["metadata"]["namespace"] = namespace
            return self.put(body, kind)

    def get_configmap(self, namespace: str, name: str) -> dict[str, Any] | None:
        return self._get("ConfigMap", namespace, name, "get_configmap")

    def create_configmap(self, namespace: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._create("ConfigMap", namespace, body, "create_configmap")

    def replace_configmap(self, namespace: str, name: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._replace("ConfigMap", namespace, name, body, "replace_configmap")

    def get_lease(self, namespace: str, name: str) -> dict[str, Any] | None:
        return self._get("Lease", namespace, name, "get_lease")

    def create_lease(self, namespace: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._create("Lease", namespace, body, "create_lease")

    def replace_lease(self, namespace: str, name: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._replace("Lease", namespace, name, body, "replace_lease")


# -- a small cluster --------------------------------------------------------------


def node(name: str, chips: int = 8) -> dict[str, Any]:
    infos = {f"Ascend910-{i}": {"IP": f"10.0.0.{i}", "SuperDeviceID": i} for i in range(chips)}
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": {"accelerator-type": "module-910b-8"},
                     "annotations": {"baseDeviceInfos": json.dumps(infos, separators=(",", ":"))}},
        "spec": {},
        "status": {"allocatable": {NPU: str(chips), "cpu": "64", "memory": "512Gi"},
                   "capacity": {NPU: str(chips), "cpu": "64", "memory": "512Gi"},
                   "conditions": [{"type": "Ready", "status": "True"}]},
    }


def device_info(name: str, chips: int = 8, unhealthy: tuple[int, ...] = (), update_time: int = 1700000000) -> dict[str, Any]:
    free = ",".join(f"Ascend910-{i}" for i in range(chips) if i not in unhealthy)
    bad = ",".join(f"Ascend910-{i}" for i in unhealthy)
    cfg = {"DeviceInfo": {"DeviceList": {NPU: free, f"{NPU}-Unhealthy": bad, f"{NPU}-Recovering": "",
                                         f"{NPU}-NetworkUnhealthy": ""}, "UpdateTime": update_time},
           "SuperPodID": -2, "ServerIndex": -2}
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": f"mindx-dl-deviceinfo-{name}", "namespace": "kube-system"},
            "data": {"DeviceInfoCfg": json.dumps(cfg, separators=(",", ":"))}}


def pod(name: str, npus: int, *, ns: str = "serving", group: str | None = None, scheduler: str = "npusched",
        node_name: str | None = None, chips: str = "", labels: dict[str, str] | None = None) -> dict[str, Any]:
    md: dict[str, Any] = {"name": name, "namespace": ns, "labels": dict(labels or {}), "annotations": {},
                          "creationTimestamp": "2024-01-01T00:00:00Z"}
    if group:
        md["annotations"]["scheduling.k8s.io/group-name"] = group
    if chips:
        md["annotations"][NPU] = chips
    spec: dict[str, Any] = {"schedulerName": scheduler, "terminationGracePeriodSeconds": 30,
                            "containers": [{"name": "main", "resources": {"requests": {NPU: str(npus)}, "limits": {NPU: str(npus)}}}]}
    if node_name:
        spec["nodeName"] = node_name
    return {"apiVersion": "v1", "kind": "Pod", "metadata": md, "spec": spec,
            "status": {"phase": "Running" if node_name else "Pending"}}


def podgroup(name: str, min_member: int, *, ns: str = "serving", labels: dict[str, str] | None = None,
             phase: str = "Pending") -> dict[str, Any]:
    return {"apiVersion": "scheduling.volcano.sh/v1beta1", "kind": "PodGroup",
            "metadata": {"name": name, "namespace": ns, "labels": dict(labels or {})},
            "spec": {"minMember": min_member}, "status": {"phase": phase}}


# -- a scheduler wired on the fake, without threads ------------------------------


class Clock:
    """A hand-driven clock for the lease and the fault logic."""

    def __init__(self, t: float = 1_700_000_000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


class Rig:
    """The scheduler's parts on a :class:`FakeBackend`; ``sync()`` runs every
    stream once (list, or watch what is new), ``cycle()`` one cycle."""

    def __init__(self, fake: FakeBackend, *, dry_run: bool = False, leader: bool = True, namespace: str | None = None,
                 identity: str = "me", clock: Clock | None = None, out: Any = None, bind_workers: int = 1) -> None:
        import io

        import npusched
        from npusched.scheduler.api import Api, Backoff
        from npusched.scheduler.binder import Binder
        from npusched.scheduler.cycle import Options, Scheduler
        from npusched.scheduler.faults import FaultActor
        from npusched.scheduler.informer import STREAMS, Feed, Informer
        from npusched.scheduler.leader import LeaseElector
        from npusched.scheduler.metrics import Metrics
        from npusched.scheduler.report import Reporter
        from npusched.scheduler.state import StateStore

        self.fake, self.clock = fake, clock or Clock()
        self.stop = threading.Event()
        self.metrics = Metrics()
        self.sleeps: list[float] = []
        self.api = Api(fake, self.metrics, Backoff(7, base=0.01, cap=0.05), stop=self.stop, sleep=self.sleeps.append)
        self.feed = Feed(npusched.Cluster(scheduler_name="npusched"), self.metrics, scheduler_name="npusched", namespace=namespace)
        self.informers = [Informer(s, self.api, self.feed, self.stop, optional=bool(s.group), absent_retry=0) for s in STREAMS]
        self.state = StateStore(self.api, "npusched-system", "npusched-state")
        self.elector = None if dry_run else LeaseElector(self.api, self.metrics, "npusched-system", "npusched", identity,
                                                         monotonic=self.clock, wall=self.clock)
        holder: dict[str, Any] = {}
        acting = lambda: holder["s"].acting()  # noqa: E731
        self.reporter = Reporter(self.api, component="npusched", instance=identity, acting=acting, clock=self.clock)
        self.binder = Binder(self.api, self.feed, self.reporter, self.metrics, acting=acting, clock=self.clock,
                             workers=bind_workers)
        self.actor = FaultActor(self.api, self.feed, self.reporter, self.metrics, acting=acting)
        self.out = out if out is not None else io.StringIO()
        options = Options(scheduler_name="npusched", namespace=namespace, dry_run=dry_run, debounce=0)
        self.sched = holder["s"] = Scheduler(options, self.feed, self.informers, self.state, self.elector, self.reporter,
                                             self.binder, self.actor, self.metrics, self.stop, out=self.out, clock=self.clock)
        if dry_run:
            self.state.load()
        self.leader = leader
        self.sync()
        if self.elector is not None and leader:
            assert self.elector.try_acquire_or_renew()

    def sync(self) -> None:
        for inf in self.informers:
            inf.step()

    def cycle(self) -> dict[str, int]:
        """Syncs, renews the lease (as the elector's thread would) when leading, runs a cycle."""
        self.sync()
        if self.elector is not None and self.leader:
            self.elector.try_acquire_or_renew()
        return self.sched.cycle()


def small_world(fake: FakeBackend, nodes: int = 2) -> None:
    for i in range(nodes):
        fake.put(node(f"n{i}"))
        fake.put(device_info(f"n{i}"))
