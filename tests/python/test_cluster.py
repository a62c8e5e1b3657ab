"""npusched.Cluster: events from dicts and kubernetes models, the same answers
as the one-shot functions, stale versions, errors with codes, and readers in
threads beside a writer."""

from __future__ import annotations

import copy
import json
import threading
from typing import Any

import npusched
from npusched import simulate
import pytest
from kubernetes import client


def _node_event(demo: dict[str, Any], type_: str = "MODIFIED", **changes: Any) -> dict[str, Any]:
    node = copy.deepcopy(next(i for i in demo["items"] if i["kind"] == "Node" and "baseDeviceInfos" in i["metadata"].get("annotations", {})))
    node["spec"].update(changes)
    return {"type": type_, "object": node}


def test_a_loaded_cluster_plans_as_the_snapshot_does(now: int) -> None:
    demo = npusched.demo_snapshot()
    cluster = npusched.Cluster(demo)
    assert cluster.plan(now=now) == npusched.plan(demo, now=now)
    assert cluster.faults(now=now) == npusched.faults(demo, now=now)
    assert cluster.stats["nodes"] == sum(1 for i in demo["items"] if i["kind"] == "Node")


def test_events_change_the_answer_as_the_snapshot_would(now: int) -> None:
    demo = npusched.demo_snapshot()
    cluster = npusched.Cluster(demo)
    event = _node_event(demo, unschedulable=True)
    assert cluster.apply(event)["outcome"] == "applied"
    changed = copy.deepcopy(demo)
    changed["items"] = [event["object"] if i["kind"] == "Node" and i["metadata"]["name"] == event["object"]["metadata"]["name"] else i for i in demo["items"]]
    assert cluster.plan(now=now) == npusched.plan(changed, now=now)


def test_kubernetes_model_objects_and_raw_objects_are_read(now: int) -> None:
    cluster = npusched.Cluster(npusched.demo_snapshot())
    pod = client.V1Pod(
        metadata=client.V1ObjectMeta(name="extra", namespace="ns"),
        spec=client.V1PodSpec(scheduler_name="volcano", containers=[client.V1Container(name="c")]),
        status=client.V1PodStatus(phase="Pending"),
    )
    assert cluster.apply({"type": "ADDED", "object": pod})["object"] == "Pod ns/extra"
    assert cluster.stats["pending_pods"] >= 1
    raw = {"kind": "Pod", "metadata": {"name": "raw", "namespace": "ns"}, "spec": {"schedulerName": "volcano"}}
    out = cluster.apply({"type": "ADDED", "object": None, "raw_object": raw})
    assert out == {"outcome": "applied", "object": "Pod ns/raw", "held_version": ""}


def test_stale_and_ignored_events() -> None:
    cluster = npusched.Cluster()
    node = {"kind": "Node", "metadata": {"name": "n1", "resourceVersion": "7"}}
    assert cluster.apply({"type": "ADDED", "object": node})["outcome"] == "applied"
    older = {"kind": "Node", "metadata": {"name": "n1", "resourceVersion": "6"}}
    assert cluster.apply({"type": "MODIFIED", "object": older}) == {
        "outcome": "stale",
        "object": "Node n1",
        "held_version": "7",
    }
    deployment = {"kind": "Deployment", "metadata": {"name": "d", "namespace": "ns"}}
    assert cluster.apply({"type": "ADDED", "object": deployment})["outcome"] == "ignored"
    assert cluster.apply({"type": "BOOKMARK", "object": node})["outcome"] == "ignored"


def test_bad_events_raise_invalid_input_with_code_and_path() -> None:
    cluster = npusched.Cluster()
    bad = {"kind": "Node", "metadata": {"name": "n1"}, "spec": {"unschedulable": "yes"}}
    with pytest.raises(npusched.InvalidInput) as e:
        cluster.apply({"type": "ADDED", "object": bad})
    assert e.value.code == "wrong_type"
    assert e.value.path == "object.spec.unschedulable"
    with pytest.raises(npusched.InvalidInput, match="type"):
        cluster.apply({"type": "UPDATED", "object": bad})
    good = {"kind": "Node", "metadata": {"name": "n0"}}
    with pytest.raises(npusched.InvalidInput) as many:
        cluster.apply_many([{"type": "ADDED", "object": good}, {"type": "ADDED", "object": bad}])
    assert many.value.path == "events[1].object.spec.unschedulable"
    assert cluster.stats["nodes"] == 1  # the first event stays applied


def test_readers_in_threads_beside_a_writer(now: int) -> None:
    demo = npusched.demo_snapshot()
    cluster = npusched.Cluster(demo)
    answers = {json.dumps(npusched.plan(demo, now=now), sort_keys=True)}
    cordoned = _node_event(demo, unschedulable=True)
    changed = copy.deepcopy(demo)
    changed["items"] = [cordoned["object"] if i["kind"] == "Node" and i["metadata"]["name"] == cordoned["object"]["metadata"]["name"] else i for i in demo["items"]]
    answers.add(json.dumps(npusched.plan(changed, now=now), sort_keys=True))
    seen: list[str] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            seen.append(json.dumps(cluster.plan(now=now), sort_keys=True))

    threads = [threading.Thread(target=read) for _ in range(3)]
    for t in threads:
        t.start()
    for _ in range(20):
        cluster.apply(cordoned)
        cluster.load(demo)
    cluster.apply(cordoned)
    stop.set()
    for t in threads:
        t.join()
    assert seen and set(seen) <= answers


def test_plan_policies_are_npusched_and_two_baselines() -> None:
    snapshot = npusched.generate(200, seed=4, pending=60, super_pod_size=16)
    cluster = npusched.Cluster(snapshot)
    ours = cluster.plan(now=0)
    assert cluster.plan(now=0, policy="npusched") == ours == npusched.plan(snapshot, now=0)
    first = cluster.plan(now=0, policy="first-fit")
    assert [b["node"] for b in first["bindings"]] != [b["node"] for b in ours["bindings"]]
    ties = cluster.plan(now=0, policy="random-ties", policy_seed=5)
    assert cluster.plan(now=0, policy="random-ties", policy_seed=5) == ties
    seeds = {json.dumps(cluster.plan(now=0, policy="random-ties", policy_seed=s)["bindings"]) for s in range(4)}
    assert len(seeds) > 1  # the seed picks among the equal scores
    for bad, path, code in (("best", "policy", "unknown_value"), (3, "policy", "wrong_type")):
        with pytest.raises(npusched.InvalidInput) as e:
            cluster.plan(policy=bad)
        assert (e.value.path, e.value.code) == (path, code)


def test_one_shot_plan_takes_the_same_policies_as_the_live_model() -> None:
    snapshot = npusched.generate(200, seed=4, pending=60, super_pod_size=16)
    cluster = npusched.Cluster(snapshot)
    for policy in ("npusched", "first-fit", "random-ties", "block-fit"):
        assert npusched.plan(snapshot, now=0, policy=policy, policy_seed=7) == cluster.plan(
            now=0, policy=policy, policy_seed=7
        ), policy
    for bad, seed, path, code in (("best", 0, "policy", "unknown_value"), (None, 0, "policy", "wrong_type"),
                                  ("npusched", -1, "policy_seed", "wrong_type")):
        with pytest.raises(npusched.InvalidInput) as e:
            npusched.plan(snapshot, now=0, policy=bad, policy_seed=seed)
        assert (e.value.path, e.value.code) == (path, code)


def test_block_fit_puts_a_service_block_in_the_tightest_super_pod() -> None:
    # Two super-pods of 4 A3 SuperPoD nodes. Service `old` (one block of 2
    # nodes) lands in super-pod 0, leaving it 2 free nodes against 4 in
    # super-pod 1. Service `new` then goes to the roomiest super-pod under
    # npusched (the reference's rule) and to the tightest under block-fit.
    snapshot = npusched.generate(8, mix="module-a3-16-super-pod:1", super_pod_size=4, occupancy=0.0, faults=0.0,
                                 node_faults=0.0, seed=1)

    def service(name: str) -> list[dict[str, Any]]:
        group = {"apiVersion": "scheduling.volcano.sh/v1beta1", "kind": "PodGroup",
                 "metadata": {"name": name, "namespace": "s", "annotations": {"sp-block": "32"},
                              "labels": {"ome.io/inferenceservice": name}},
                 "spec": {"minMember": 2}}
        pods = [{"apiVersion": "v1", "kind": "Pod",
                 "metadata": {"name": f"{name}-{r}", "namespace": "s", "uid": f"u-{name}-{r}",
                              "creationTimestamp": "2025-01-01T00:00:00Z", "labels": {"ome.io/inferenceservice": name},
                              "annotations": {"scheduling.k8s.io/group-name": name, "hccl/rankIndex": str(r)}},
                 "spec": {"schedulerName": "volcano", "nodeSelector": {"accelerator-type": "module-a3-16-super-pod"},
                          "containers": [{"name": "m", "resources": {"requests": {"huawei.com/Ascend910": "16"},
                                                                     "limits": {"huawei.com/Ascend910": "16"}}}]},
                 "status": {"phase": "Pending"}} for r in range(2)]
        return [group, *pods]

    def block_super_pod(snap: dict[str, Any], policy: str, name: str) -> int:
        [job] = [j for j in npusched.plan(snap, now=0, reserve_nodes=0, policy=policy)["super_pod_jobs"]
                 if j["group"] == f"s/{name}"]
        [block] = job["blocks"]
        return int(block["super_pod_id"])

    snapshot["items"] += service("old")
    assert block_super_pod(snapshot, "npusched", "old") == 0
    snapshot = simulate.bind(snapshot, npusched.plan(snapshot, now=0, reserve_nodes=0))
    snapshot["items"] += service("new")
    assert block_super_pod(snapshot, "npusched", "new") == 1
    assert block_super_pod(snapshot, "block-fit", "new") == 0
