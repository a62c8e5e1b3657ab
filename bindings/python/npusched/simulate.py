"""A small cluster simulator: what Kubernetes and MindCluster would do to a
snapshot after npusched's decisions, so that plan → faults → plan can be
played end to end (the demo's fault story, tests, experiments).

Every function takes a Kubernetes List dict (as ``kubectl get ... -o json``
prints it) and returns a new one; the input is not changed. The decisions
themselves always come from :func:`npusched.plan` and :func:`npusched.faults`;
this module only plays the other side: the binder and kubelet (:func:`bind`),
the device plugin reporting a broken chip (:func:`inject_chip_fault`) and a
repaired one (:func:`repair_chip_fault`), the
API server and controllers carrying out deletions (:func:`apply_actions`),
and an operator carrying out defragmentation advice (:func:`move`).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

__all__ = ["apply_actions", "bind", "inject_chip_fault", "label_group", "move", "repair_chip_fault"]

_NPU = "huawei.com/Ascend910"


def _key(item: dict[str, Any]) -> str:
    md = item.get("metadata", {})
    return f"{md.get('namespace', 'default')}/{md.get('name', '')}"


def _pods_named(snapshot: dict[str, Any], by_name: dict[str, Any]) -> Iterator[tuple[dict[str, Any], Any]]:
    """The snapshot's Pods named (``<namespace>/<name>``) in ``by_name``, each with its entry."""
    for item in snapshot["items"]:
        if item.get("kind") == "Pod" and _key(item) in by_name:
            yield item, by_name[_key(item)]


def bind(snapshot: dict[str, Any], plan: dict[str, Any]) -> dict[str, Any]:
    """The pods of ``plan["bindings"]`` bound and running: ``spec.nodeName``,
    the plan's annotations, phase ``Running``; their PodGroups ``Running``."""
    out = copy.deepcopy(snapshot)
    bindings = {b["pod"]: b for b in plan["bindings"]}
    groups = set()
    for item in out["items"]:
        if item.get("kind") != "Pod" or _key(item) not in bindings:
            continue
        b = bindings[_key(item)]
        item["spec"]["nodeName"] = b["node"]
        item["metadata"].setdefault("annotations", {}).update(b["annotations"])
        item.setdefault("status", {})["phase"] = "Running"
        group = item["metadata"]["annotations"].get("scheduling.k8s.io/group-name")
        if group:
            groups.add(f"{item['metadata'].get('namespace', 'default')}/{group}")
    for item in out["items"]:
        if item.get("kind") == "PodGroup" and _key(item) in groups:
            item.setdefault("status", {})["phase"] = "Running"
    return out


def label_group(snapshot: dict[str, Any], group: str, labels: dict[str, str]) -> dict[str, Any]:
    """Adds ``labels`` to the PodGroup ``<namespace>/<name>`` (e.g. the
    ``fault-scheduling`` policy an operator sets)."""
    out = copy.deepcopy(snapshot)
    for item in out["items"]:
        if item.get("kind") == "PodGroup" and _key(item) == group:
            item["metadata"].setdefault("labels", {}).update(labels)
            return out
    raise KeyError(f"no PodGroup {group}")


def _chip_list(text: str) -> list[str]:
    return [c for c in text.split(",") if c]


def _by_index(chips: set[str]) -> str:
    return ",".join(sorted(chips, key=lambda c: int(c.rsplit("-", 1)[1])))


def _set_chip_health(snapshot: dict[str, Any], node: str, chip: int, update_time: int, healthy: bool) -> dict[str, Any]:
    """Moves ``Ascend910-<chip>`` of ``node`` between the free and the
    ``-Unhealthy`` lists of its ClusterD device-info record (with a newer
    ``UpdateTime``) and moves the node's allocatable count with it."""
    out = copy.deepcopy(snapshot)
    name = f"Ascend910-{chip}"
    changed = False
    for item in out["items"]:
        md = item.get("metadata", {})
        if item.get("kind") == "ConfigMap" and md.get("namespace") == "mindx-dl":
            key = md.get("name", "")
            if not key.startswith("cluster-info-device-") or not item.get("data", {}).get(key):
                continue
            records = json.loads(item["data"][key])
            record = records.get(f"mindx-dl-deviceinfo-{node}")
            if record is None:
                continue
            devices = record["DeviceList"]
            bad = set(_chip_list(devices.get(f"{_NPU}-Unhealthy", "")))
            free = set(_chip_list(devices.get(_NPU, "")))
            changed = (name in bad) == healthy
            if healthy:
                bad.discard(name)
                free.add(name)
            else:
                bad.add(name)
                free.discard(name)
            devices[f"{_NPU}-Unhealthy"] = _by_index(bad)
            devices[_NPU] = _by_index(free)
            record["UpdateTime"] = update_time
            item["data"][key] = json.dumps(records, separators=(",", ":"))
    for item in out["items"]:
        md = item.get("metadata", {})
        if changed and item.get("kind") == "Node" and md.get("name") == node:
            allocatable = item.setdefault("status", {}).setdefault("allocatable", {})
            if _NPU in allocatable:
                allocatable[_NPU] = str(max(0, int(allocatable[_NPU]) + (1 if healthy else -1)))
    return out


def inject_chip_fault(snapshot: dict[str, Any], node: str, chip: int, update_time: int) -> dict[str, Any]:
    """The device plugin reports ``Ascend910-<chip>`` of ``node`` unhealthy:
    the chip joins ``-Unhealthy`` in the node's ClusterD device-info record
    (with a newer ``UpdateTime``) and kubelet lowers the allocatable count."""
    return _set_chip_health(snapshot, node, chip, update_time, healthy=False)


def repair_chip_fault(snapshot: dict[str, Any], node: str, chip: int, update_time: int) -> dict[str, Any]:
    """The chip is repaired: it leaves ``-Unhealthy`` for the free list again
    (newer ``UpdateTime``) and kubelet raises the allocatable count."""
    return _set_chip_health(snapshot, node, chip, update_time, healthy=True)


def apply_actions(snapshot: dict[str, Any], report: dict[str, Any]) -> dict[str, Any]:
    """Carries out ``report["actions"]``: a deleted pod is gone and its
    controller (StatefulSet, LeaderWorkerSet, Volcano Job) recreates it under
    the same name with a new UID, pending, without chips; an annotated pod
    gets ``huawei.com/pod-status``."""
    out = copy.deepcopy(snapshot)
    for item, a in _pods_named(out, {a["pod"]: a for a in report["actions"]}):
        md = item["metadata"]
        if a["action"] == "annotate":
            md.setdefault("annotations", {})["huawei.com/pod-status"] = f"Unhealthy-{a['reason']}"
            continue
        md["uid"] = f"{md.get('uid', md['name'])}-r"
        annotations = md.get("annotations", {})
        for key in (_NPU, "huawei.com/AscendReal", "predicate-time", "distributed-job", "super-pod-rank",
                    "super-pod-id", "ascend.kubectl.kubernetes.io/ascend-910-configuration"):
            annotations.pop(key, None)
        item["spec"].pop("nodeName", None)
        item["status"] = {"phase": "Pending"}
    return out


def move(snapshot: dict[str, Any], advice: dict[str, Any]) -> dict[str, Any]:
    """Carries out one defragmentation advice (an entry of
    :func:`npusched.defrag`, status ``"advised"``): each moved pod is replaced
    by one of the same name (new UID) running on its destination with the
    advised chips, as if it had been evicted and placed there; the super-pod
    annotations follow the destination. The gang itself is left pending for
    the next plan. Raises ``ValueError`` for advice that is not ``"advised"``."""
    if advice.get("status") != "advised":
        raise ValueError(f"advice for {advice.get('group')} is {advice.get('status')!r}, not 'advised'")
    out = copy.deepcopy(snapshot)
    for item, m in _pods_named(out, {m["pod"]: m for m in advice["moves"]}):
        md = item["metadata"]
        md["uid"] = f"{md.get('uid', md['name'])}-m"
        annotations = md.setdefault("annotations", {})
        chips = ",".join(m["to_chips"])
        annotations[_NPU] = chips
        if "huawei.com/AscendReal" in annotations:
            annotations["huawei.com/AscendReal"] = chips
        for key in ("super-pod-rank", "super-pod-id", "ascend.kubectl.kubernetes.io/ascend-910-configuration"):
            annotations.pop(key, None)
        if m["super_pod_rank"] is not None:
            annotations["super-pod-rank"] = str(m["super_pod_rank"])
            annotations["super-pod-id"] = str(m["super_pod_id"])
        item["spec"]["nodeName"] = m["to"]
    return out

