"""The pieces of the scheduler's end-to-end story: the demo cluster and OME
services written into a real API server, the deploy/ manifests applied, the
scheduler run as its own ServiceAccount (so the RBAC in deploy/ is what is
tested), and the stand-ins for the controllers and the kubelet.

Every decision checked by the tests comes from the scheduler process; the
expected placements come from ``npusched.plan`` on the same objects.
"""

from __future__ import annotations

import copy
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from typing import Any

import kubernetes.client
import kubernetes.dynamic
import kubernetes.utils
import yaml
from kubernetes.client.rest import ApiException

import npusched
from npusched import _demo, simulate
from harness import add_node, wait_for

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEPLOY = os.path.join(ROOT, "deploy")
SYSTEM_NS = "npusched-system"
NAME = "npusched"
NPU = "huawei.com/Ascend910"
GROUP_ANNOTATION = "scheduling.k8s.io/group-name"
PODGROUP = ("scheduling.volcano.sh", "v1beta1", "podgroups")
LWS = ("leaderworkerset.x-k8s.io", "v1", "leaderworkersets")
PLACEHOLDER_IMAGE = "registry.invalid/npusched-e2e/placeholder:0"  # nothing runs it: no kubelet


def core(api) -> kubernetes.client.CoreV1Api:
    return kubernetes.client.CoreV1Api(api)


def custom(api) -> kubernetes.client.CustomObjectsApi:
    return kubernetes.client.CustomObjectsApi(api)


def ensure_namespace(api, name: str) -> None:
    try:
        core(api).create_namespace({"metadata": {"name": name}})
    except ApiException as e:
        if e.status != 409:
            raise


def key(obj: dict[str, Any]) -> str:
    md = obj["metadata"]
    return f"{md.get('namespace', 'default')}/{md['name']}"


# -- the cluster: Nodes, MindCluster ConfigMaps, running pods ----------------------

def create_object(api, obj: dict[str, Any], scheduler_name: str = NAME) -> None:
    """Creates one object of a snapshot or an expansion as its controller would
    have: a pending Pod of ours gets ``schedulerName``; a bound Pod is created
    bound and Running; PodGroups and LeaderWorkerSets keep their status."""
    obj = copy.deepcopy(obj)
    kind, md = obj["kind"], obj["metadata"]
    for k in ("uid", "resourceVersion", "creationTimestamp", "managedFields", "generation",
              "deletionTimestamp", "deletionGracePeriodSeconds"):
        md.pop(k, None)
    ns = md.get("namespace")
    if ns:
        ensure_namespace(api, ns)
    status = obj.pop("status", None)
    if kind == "Node":
        add_node(api, md["name"], md.get("labels") or {}, (status or {}).get("allocatable") or {},
                 md.get("annotations") or {})
        return
    if kind == "Pod":
        spec = obj["spec"]
        for c in spec.get("containers") or []:
            c.setdefault("image", PLACEHOLDER_IMAGE)  # the synthetic snapshots leave it out
        if not spec.get("nodeName"):
            spec["schedulerName"] = scheduler_name
    # The dynamic client sends the dict as it is (the typed one rejects integer quantities).
    resource = dynamic(api).resources.get(api_version=obj["apiVersion"], kind=kind)
    resource.create(body=obj, namespace=ns)
    if kind == "Pod" and obj["spec"].get("nodeName"):
        core(api).patch_namespaced_pod_status(md["name"], ns, {"status": {"phase": "Running"}})
    elif kind in ("PodGroup", "LeaderWorkerSet") and status:
        group, version, plural = PODGROUP if kind == "PodGroup" else LWS
        custom(api).patch_namespaced_custom_object_status(group, version, ns, plural, md["name"], {"status": status})


_dynamic: dict[int, Any] = {}


def dynamic(api) -> kubernetes.dynamic.DynamicClient:
    if id(api) not in _dynamic:
        _dynamic[id(api)] = kubernetes.dynamic.DynamicClient(api)
    return _dynamic[id(api)]


def load(api, items: list[dict[str, Any]], scheduler_name: str = NAME) -> None:
    # Nodes first, then what refers to them; PodGroups before their pods.
    order = {"Node": 0, "ConfigMap": 1, "PodGroup": 2, "LeaderWorkerSet": 3}
    for obj in sorted(items, key=lambda o: order.get(o["kind"], 4)):
        create_object(api, obj, scheduler_name)


def demo_cluster() -> dict[str, Any]:
    return _demo.cluster()


# The kinds of an expansion the scheduler reads (the others are not needed here;
# the expansion's StatefulSets are summaries without a pod template).
SERVICE_KINDS = ("Pod", "PodGroup", "ReplicaSet", "LeaderWorkerSet")


def services(snapshot: dict[str, Any]) -> list[dict[str, Any]]:
    """The pods, PodGroups and owners OME and its controllers would create for
    the demo's two P/D services (Deployment and LeaderWorkerSet shapes)."""
    objects = npusched.expand(_demo.documents(), context=snapshot)["objects"]
    return [o for o in objects if o["kind"] in SERVICE_KINDS]


# -- deploy/: the scheduler's own objects, and a kubeconfig of its ServiceAccount ---

def apply_deploy(api) -> None:
    for name in ("namespace.yaml", "rbac.yaml", "deployment.yaml"):
        with open(os.path.join(DEPLOY, name), encoding="utf-8") as f:
            for doc in yaml.safe_load_all(f):
                if doc:
                    kubernetes.utils.create_from_dict(api, doc)


def service_account_kubeconfig(apiserver, path: str) -> str:
    """A kubeconfig holding a token of deploy/'s ServiceAccount (TokenRequest)."""
    token = core(apiserver.client()).create_namespaced_service_account_token(
        NAME, SYSTEM_NS, {"spec": {"expirationSeconds": 7200}}).status.token
    with open(path, "w", encoding="utf-8") as f:
        f.write(
            "apiVersion: v1\nkind: Config\n"
            f"clusters:\n- name: e2e\n  cluster:\n    server: {apiserver.url}\n"
            "    insecure-skip-tls-verify: true\n"
            f"users:\n- name: npusched\n  user:\n    token: {token}\n"
            f"contexts:\n- name: e2e\n  context:\n    cluster: e2e\n    user: npusched\n"
            f"    namespace: {SYSTEM_NS}\n"
            "current-context: e2e\n")
    return path


# -- the scheduler process -----------------------------------------------------------

FAST = ["--period", "1", "--debounce", "0.1", "--lease-duration", "4", "--renew-deadline", "3",
        "--retry-period", "1"]


class SchedulerProcess:
    """``npusched scheduler`` as a child process, its log in a file."""

    def __init__(self, kubeconfig: str, log_path: str, *extra: str, metrics_port: int = 0) -> None:
        self.log_path = log_path
        self.metrics_port = metrics_port
        args = [sys.executable, "-m", "npusched", "scheduler", "--kubeconfig", kubeconfig,
                "--scheduler-name", NAME, "--log-level", "debug", *FAST, *extra]
        if metrics_port:
            args += ["--metrics-port", str(metrics_port)]
        self._log = open(log_path, "ab")
        self.proc = subprocess.Popen(args, stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def log(self) -> str:
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        return self.proc.returncode

    def metric(self, name: str, labels: str = "") -> float:
        """The value of one sample of /metrics (0 when absent)."""
        with urllib.request.urlopen(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=5) as r:
            text = r.read().decode()
        pattern = re.compile(rf"^{re.escape(name)}{re.escape(labels)}\s+(\S+)$", re.M)
        m = pattern.search(text)
        return float(m.group(1)) if m else 0.0

    def wait_cycles(self, n: int, timeout: float = 30.0) -> None:
        """Waits until ``n`` more cycles have run (``npusched_cycles_total``)."""
        start = self.metric("npusched_cycles_total")
        wait_for(lambda: self.metric("npusched_cycles_total") >= start + n, timeout=timeout,
                 what=f"{n} scheduler cycles")


# -- reading the outcome -----------------------------------------------------------------

def pods(api, namespace: str) -> dict[str, Any]:
    return {p.metadata.name: p for p in core(api).list_namespaced_pod(namespace).items}


def wait_bound(api, names: list[str] | set[str], namespace: str, timeout: float = 60.0) -> dict[str, Any]:
    names = set(names)

    def bound():
        got = pods(api, namespace)
        missing = sorted(n for n in names if n not in got or not got[n].spec.node_name)
        assert not missing, f"not bound yet: {missing}"
        return got

    return wait_for(bound, timeout=timeout, what=f"{len(names)} pods bound in {namespace}")


def run_pods(api, namespace: str) -> None:
    """The kubelet's part: every bound pod that is not Running now is."""
    for p in pods(api, namespace).values():
        if p.spec.node_name and (p.status.phase or "Pending") == "Pending" and not p.metadata.deletion_timestamp:
            core(api).patch_namespaced_pod_status(p.metadata.name, namespace, {"status": {"phase": "Running"}})


def run_podgroups(api, namespace: str) -> None:
    """Volcano's controller: a PodGroup whose pods all run is Running."""
    for pg in custom(api).list_namespaced_custom_object(*PODGROUP[:2], namespace, PODGROUP[2])["items"]:
        custom(api).patch_namespaced_custom_object_status(*PODGROUP[:2], namespace, PODGROUP[2],
                                                          pg["metadata"]["name"], {"status": {"phase": "Running"}})


def recreate(api, namespace: str, name: str, template: dict[str, Any], scheduler_name: str = NAME) -> None:
    """The controller's part after a deletion: the same pod again, pending, new UID."""
    obj = {**copy.deepcopy(template), "apiVersion": "v1", "kind": "Pod"}
    obj["spec"].pop("nodeName", None)
    annotations = obj["metadata"].get("annotations") or {}
    for k in (NPU, "huawei.com/AscendReal", "predicate-time", "super-pod-rank", "super-pod-id",
              "distributed-job", "ascend.kubectl.kubernetes.io/ascend-910-configuration"):
        annotations.pop(k, None)
    obj.pop("status", None)
    create_object(api, obj, scheduler_name)


def snapshot_of(api) -> dict[str, Any]:
    """The objects the scheduler reads, as one Kubernetes List (for npusched.plan)."""
    a = api
    items: list[dict[str, Any]] = []

    def add(kind: str, api_version: str, listed: dict[str, Any]) -> None:
        for item in listed["items"]:
            item.setdefault("kind", kind)
            item.setdefault("apiVersion", api_version)
            items.append(item)

    def raw(fn, *args) -> dict[str, Any]:
        return json.loads(fn(*args, _preload_content=False).data)

    add("Node", "v1", raw(core(a).list_node))
    add("Pod", "v1", raw(core(a).list_pod_for_all_namespaces))
    for ns in ("kube-system", "mindx-dl", "volcano-system"):
        add("ConfigMap", "v1", raw(core(a).list_namespaced_config_map, ns))
    add("PodGroup", "scheduling.volcano.sh/v1beta1",
        custom(a).list_cluster_custom_object(*PODGROUP))
    add("LeaderWorkerSet", "leaderworkerset.x-k8s.io/v1", custom(a).list_cluster_custom_object(*LWS))
    add("ReplicaSet", "apps/v1", raw(kubernetes.client.AppsV1Api(a).list_replica_set_for_all_namespaces))
    return {"apiVersion": "v1", "kind": "List", "items": items}


def chip_fault(api, node: str, chip: int, *, repaired: bool = False) -> None:
    """The device plugin and kubelet report ``Ascend910-<chip>`` of ``node``
    broken (or, with ``repaired``, healthy again): the change of
    :func:`npusched.simulate.inject_chip_fault` / ``repair_chip_fault``,
    written into the live ConfigMap and Node."""
    snap = snapshot_of(api)
    change = simulate.repair_chip_fault if repaired else simulate.inject_chip_fault
    after_all = change(snap, node, chip, int(time.time()))
    for before, after in zip(snap["items"], after_all["items"]):
        if before == after:
            continue
        md = after["metadata"]
        if after["kind"] == "ConfigMap":
            core(api).patch_namespaced_config_map(md["name"], md["namespace"], {"data": after["data"]})
        elif after["kind"] == "Node":
            core(api).patch_node_status(md["name"], {"status": {"allocatable": after["status"]["allocatable"]}})


def super_pods(api) -> dict[str, int]:
    """node -> the physical super-pod its device-info record names (nodes of a
    SuperPoD only), from ClusterD's and the device plugin's ConfigMaps."""
    out: dict[str, int] = {}
    prefix = "mindx-dl-deviceinfo-"
    for ns in ("mindx-dl", "kube-system"):
        for cm in core(api).list_namespaced_config_map(ns).items:
            for k, v in (cm.data or {}).items():
                try:
                    doc = json.loads(v)
                except ValueError:
                    continue
                if not isinstance(doc, dict):
                    continue
                if k == "DeviceInfoCfg" and cm.metadata.name.startswith(prefix):
                    records = {cm.metadata.name: doc}
                elif k.startswith("cluster-info-device-"):
                    records = doc
                else:
                    continue
                for name, rec in records.items():
                    if name.startswith(prefix) and isinstance(rec, dict) and int(rec.get("SuperPodID", -1)) >= 0:
                        out[name[len(prefix):]] = int(rec["SuperPodID"])
    return out
