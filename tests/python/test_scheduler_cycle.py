"""The scheduling cycle on the in-memory fake: binding order, gangs and
half-bound records, 409s, unplaceable reports, fault actions, the state
ConfigMap and dry runs."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("kubernetes")

from npusched.scheduler.backend import BackendError  # noqa: E402
from npusched.scheduler.binder import BindError  # noqa: E402
from scheduler_fake import FakeBackend, Rig, device_info, pod, podgroup, small_world  # noqa: E402

STATE = ("npusched-system", "npusched-state")


def _writes(fake: FakeBackend) -> list[tuple[str, ...]]:
    return [c for c in fake.calls if c[0] not in ("list", "watch", "get_lease", "replace_lease", "create_lease")]


def _state_data(fake: FakeBackend) -> dict[str, str]:
    return fake.objects["ConfigMap"][STATE]["data"]


def test_annotations_are_patched_before_the_binding_and_the_pod_is_assumed() -> None:
    fake = FakeBackend()
    small_world(fake)
    fake.put(pod("p", 2))
    r = Rig(fake)
    plan = r.feed.cluster.plan(now=1700000000)
    [b] = plan["bindings"]
    assert r.cycle()["bound"] == 1
    steps = [c for c in fake.calls if c[0] in ("patch_pod", "bind_pod")]
    assert steps == [("patch_pod", "serving", "p", json.dumps({"metadata": {"annotations": b["annotations"]}}, sort_keys=True)),
                     ("bind_pod", "serving", "p", b["node"])]
    got = fake.pod("serving", "p")
    assert got["spec"]["nodeName"] == b["node"]
    assert {k: got["metadata"]["annotations"][k] for k in b["annotations"]} == b["annotations"]
    # Before the watch has caught up, the model already holds the pod as bound: no second bind.
    assert r.sched.cycle()["bound"] == 0 and len(fake.verbs("bind_pod")) == 1
    r.sync()
    assert r.cycle()["bound"] == 0 and len(fake.verbs("bind_pod")) == 1 and not r.feed.assumed()
    assert r.metrics.bound.get() == 1


def test_bind_409_to_our_node_is_a_lost_reply_elsewhere_a_failure() -> None:
    fake = FakeBackend()
    small_world(fake, nodes=1)
    fake.put(pod("p", 2))
    fake.put(pod("q", 2))
    r = Rig(fake)
    # p: the binding went through but the reply was lost, so the retry sees 409.
    def bound_then_conflict(ns: str, name: str, node: str) -> None:
        if name == "p":
            live = fake.pod(ns, name)
            live["spec"]["nodeName"] = node
            fake.put(live)
            fake.fail("bind_pod", BackendError(409, "http", "already assigned"))
    fake.on_call["bind_pod"] = bound_then_conflict
    counts = r.cycle()
    del fake.on_call["bind_pod"]
    assert counts["bound"] == 2 and r.metrics.bind_failures.get("bind") == 0
    # z: bound elsewhere meanwhile (another scheduler): a failure, no assumption.
    fake.put(pod("z", 2))
    r.sync()
    def elsewhere(ns: str, name: str, node: str) -> None:
        live = fake.pod(ns, name)
        live["spec"]["nodeName"] = "somewhere"
        fake.put(live)
    fake.on_call["bind_pod"] = elsewhere
    assert r.cycle()["bound"] == 0
    assert r.metrics.bind_failures.get("bind") == 1
    [e] = fake.events("FailedBinding")
    assert e["involvedObject"]["name"] == "z" and "somewhere" in e["message"]


def test_a_node_unknown_to_the_model_is_never_bound_to() -> None:
    fake = FakeBackend()
    small_world(fake, nodes=1)
    fake.put(pod("p", 2))
    r = Rig(fake)
    with pytest.raises(BindError, match="node ghost is not in the model"):
        r.binder.bind_one({"pod": "serving/p", "node": "ghost", "chips": [], "annotations": {"a": "b"}})
    assert not fake.verbs("patch_pod") and not fake.verbs("bind_pod")


def test_half_bound_gang_is_recorded_and_completed_in_later_cycles() -> None:
    fake = FakeBackend()
    small_world(fake, nodes=3)
    fake.put(podgroup("g", 3))
    for i in range(3):
        fake.put(pod(f"g-{i}", 8, group="g"))
    r = Rig(fake)
    calls = {"n": 0}

    def second_fails(ns: str, name: str, node: str) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            fake.fail("bind_pod", *[BackendError(503, "http", "etcd leader changed")] * 5)
    fake.on_call["bind_pod"] = second_fails
    counts = r.cycle()
    assert counts["bound"] == 1
    assert len(fake.verbs("bind_pod")) == 6  # g-0, then g-1 five times; g-2 waits
    [record] = json.loads(_state_data(fake)["half-bound-gangs"])
    assert record["group"] == "serving/g" and len(record["bound"]) == 1
    assert sorted(record["unbound"]) == sorted({"serving/g-0", "serving/g-1", "serving/g-2"} - set(record["bound"]))
    assert "503" in record["error"] and r.metrics.half_bound.get() == 1
    [e] = fake.events("GangHalfBound")
    assert e["involvedObject"]["kind"] == "PodGroup" and e["involvedObject"]["name"] == "g"
    assert r.metrics.api_errors.get("create pod/binding", "503") == 5
    # The next cycle places the rest (the bound member counts as running) and closes the record.
    del fake.on_call["bind_pod"]
    assert r.cycle()["bound"] == 2
    assert all(fake.pod("serving", f"g-{i}")["spec"].get("nodeName") for i in range(3))
    assert json.loads(_state_data(fake)["half-bound-gangs"]) == [] and r.metrics.half_bound.get() == 0


def test_a_gang_whose_first_member_fails_is_not_half_bound() -> None:
    fake = FakeBackend()
    small_world(fake, nodes=2)
    fake.put(podgroup("g", 2))
    fake.put(pod("g-0", 8, group="g"))
    fake.put(pod("g-1", 8, group="g"))
    r = Rig(fake)
    fake.on_call["patch_pod"] = lambda ns, name, body: fake.remove("Pod", ns, name) if name == "g-0" else None
    r.cycle()
    assert not fake.verbs("bind_pod") or all(c[2] != "g-1" for c in fake.verbs("bind_pod"))
    assert json.loads(_state_data(fake)["half-bound-gangs"]) == []
    assert r.metrics.bind_failures.get("patch") == 1


def test_unplaceable_pod_gets_one_event_and_the_condition() -> None:
    fake = FakeBackend()
    small_world(fake, nodes=1)
    fake.put(pod("big", 16))
    r = Rig(fake)
    r.cycle()
    [e] = fake.events("FailedScheduling")
    assert e["type"] == "Warning" and e["source"] == {"component": "npusched"}
    assert e["involvedObject"] == {"apiVersion": "v1", "kind": "Pod", "namespace": "serving", "name": "big",
                                   "uid": fake.pod("serving", "big")["metadata"]["uid"], "resourceVersion": e["involvedObject"]["resourceVersion"]}
    [c] = fake.pod("serving", "big")["status"]["conditions"]
    plan = r.feed.cluster.plan(now=1700000000)
    [u] = plan["unschedulable"]
    assert (c["type"], c["status"], c["reason"], c["message"]) == ("PodScheduled", "False", "Unschedulable", u["message"])
    assert e["message"] == f"{u['reason']}: {u['message']}"
    for _ in range(3):
        r.cycle()
    assert len(fake.events("FailedScheduling")) == 1 and len(fake.verbs("patch_pod_status")) == 1
    # A restarted scheduler sees the condition already there: still no new write.
    fake.objects["Lease"].clear()
    r2 = Rig(fake, identity="other")
    r2.cycle()
    assert len(fake.events("FailedScheduling")) == 1 and len(fake.verbs("patch_pod_status")) == 1


def _fault_world(fake: FakeBackend) -> Rig:
    small_world(fake, nodes=3)
    fake.put(podgroup("a", 1, labels={"fault-scheduling": "grace"}, phase="Running"))
    fake.put(podgroup("b", 1, labels={"fault-scheduling": "force"}, phase="Running"))
    fake.put(podgroup("c", 1, labels={"fault-scheduling": "external-grace"}, phase="Running"))
    for g in "abc":
        fake.put(pod(f"{g}-0", 8, group=g))
    r = Rig(fake)
    assert r.cycle()["bound"] == 3
    return r


def test_fault_actions_grace_force_and_annotate() -> None:
    fake = FakeBackend()
    r = _fault_world(fake)
    for g in "abc":
        node = fake.pod("serving", f"{g}-0")["spec"]["nodeName"]
        fake.put(device_info(node, unhealthy=(3,), update_time=1700000100))
    r.clock.t += 60
    r.cycle()
    deletes = {c[2]: c[3] for c in fake.verbs("delete_pod")}
    assert deletes == {"a-0": "30", "b-0": "0"}  # the pod's terminationGracePeriodSeconds; force: 0
    assert fake.pod("serving", "a-0")["metadata"]["deletionTimestamp"] and fake.pod("serving", "b-0") is None
    assert fake.pod("serving", "c-0")["metadata"]["annotations"]["huawei.com/pod-status"] == "Unhealthy-CardUnhealthy"
    assert r.metrics.deleted.get("grace") == 1 and r.metrics.deleted.get("force") == 1 and r.metrics.annotated.get() == 1
    state = json.loads(_state_data(fake)["state"])
    assert sorted(j["job"] for j in state["jobs"]) == ["serving/a", "serving/b", "serving/c"]
    # The grace deletion is not sent again while the pod terminates.
    r.clock.t += 5
    r.cycle()
    assert [c[2] for c in fake.verbs("delete_pod")].count("a-0") == 1


def test_delete_carries_the_uid_so_a_replacement_survives() -> None:
    fake = FakeBackend()
    r = _fault_world(fake)
    node = fake.pod("serving", "b-0")["spec"]["nodeName"]
    fake.put(device_info(node, unhealthy=(3,), update_time=1700000100))
    r.sync()
    # The controller replaced the pod (same name, new UID) after the model last saw it.
    fake.on_call["delete_pod"] = lambda ns, name, grace: (fake.remove("Pod", ns, name), fake.put(pod(name, 8, group="b")))
    r.clock.t += 60
    r.elector.try_acquire_or_renew()
    r.sched.cycle()
    assert fake.pod("serving", "b-0") is not None and r.metrics.api_errors.get("delete pod", "409") == 1


def test_state_survives_a_restart_and_conflicts_are_rewritten() -> None:
    fake = FakeBackend()
    r = _fault_world(fake)
    node = fake.pod("serving", "a-0")["spec"]["nodeName"]
    fake.put(device_info(node, unhealthy=(2,), update_time=1700000100))
    r.clock.t += 60
    r.cycle()
    saved = json.loads(_state_data(fake)["state"])
    assert [j["job"] for j in saved["jobs"]] == ["serving/a"]
    # A new replica (restart) reads the same state back when it becomes the leader.
    fake.objects["Lease"].clear()
    r2 = Rig(fake, identity="restarted", clock=r.clock)
    r2.cycle()
    assert r2.state.state["jobs"][0]["fault_time"] == saved["jobs"][0]["fault_time"]
    # Someone else wrote the ConfigMap meanwhile: 409, re-read, written again.
    cm = fake.objects["ConfigMap"][STATE]
    fake.put(cm)
    r2.state.gangs = [{"group": "serving/x", "bound": [], "unbound": []}]
    assert r2.state.save()
    assert len(fake.verbs("replace_configmap")) >= 2 and json.loads(_state_data(fake)["half-bound-gangs"])[0]["group"] == "serving/x"
    assert not r2.state.save()  # unchanged: no write


def test_dry_run_prints_decisions_and_writes_nothing() -> None:
    fake = FakeBackend()
    small_world(fake, nodes=1)
    fake.put(pod("p", 2))
    fake.put(pod("big", 16))
    r = Rig(fake, dry_run=True)
    r.cycle()
    r.cycle()  # a long dry run prints only what changed
    lines = [json.loads(x) for x in r.out.getvalue().splitlines()]
    assert [(d["decision"], d["pod"]) for d in lines] == [("bind", "serving/p"), ("unschedulable", "serving/big")]
    assert lines[0]["node"] == "n0" and lines[0]["annotations"]["huawei.com/Ascend910"]
    assert [c[0] for c in _writes(fake)] == ["get_configmap"]
    assert "Lease" not in fake.objects and not fake.events()


def test_concurrent_binding_binds_what_sequential_binding_binds() -> None:
    def run(workers: int) -> tuple[dict[str, str], list[dict]]:
        fake = FakeBackend()
        small_world(fake, nodes=4)
        for g in range(3):
            fake.put(podgroup(f"g{g}", 2))
            for i in range(2):
                fake.put(pod(f"g{g}-{i}", 2, group=f"g{g}"))
        for i in range(8):
            fake.put(pod(f"single-{i}", 1))
        r = Rig(fake, bind_workers=workers)
        counts = r.cycle()
        assert counts["bound"] == 14, counts
        names = [f"g{g}-{i}" for g in range(3) for i in range(2)] + [f"single-{i}" for i in range(8)]
        nodes = {n: fake.pod("serving", n)["spec"]["nodeName"] for n in names}
        return nodes, json.loads(_state_data(fake)["half-bound-gangs"])

    assert run(4) == run(1)
