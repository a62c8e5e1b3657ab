"""The watches feeding the model: resume, 410 relist diff, malformed objects,
assumed pods, an absent CRD — on the in-memory fake."""

from __future__ import annotations

import pytest

pytest.importorskip("kubernetes")

from scheduler_fake import FakeBackend, Rig, pod, podgroup, small_world  # noqa: E402


def _rig(fake: FakeBackend) -> Rig:
    small_world(fake)
    return Rig(fake, leader=False)


def test_list_then_watch_resumes_from_the_last_version() -> None:
    fake = FakeBackend()
    r = _rig(fake)
    pods = next(i for i in r.informers if i.stream.kind == "Pod")
    assert r.feed.cluster.stats["nodes"] == 2 and pods.resource_version == str(fake.rv)
    fake.put(pod("a", 1))
    r.sync()
    assert r.feed.has("Pod", "serving/a") and pods.resource_version == str(fake.rv)
    watches = [c for c in fake.verbs("watch") if c[1] == "Pod"]
    assert len(watches) == 2  # no relist: the second pass watched from where the first ended
    assert len([c for c in fake.verbs("list") if c[1] == "Pod"]) == 1


def test_410_relists_and_applies_the_difference_for_that_stream_only() -> None:
    fake = FakeBackend()
    fake.put(pod("keep", 1))
    fake.put(pod("change", 1))
    fake.put(pod("drop", 1))
    r = _rig(fake)
    pods = next(i for i in r.informers if i.stream.kind == "Pod")
    nodes = next(i for i in r.informers if i.stream.kind == "Node")
    # While the watch is away: one pod changes, one goes, one comes; the log is compacted.
    changed = fake.pod("serving", "change")
    changed["metadata"]["labels"]["x"] = "y"
    fake.put(changed)
    fake.remove("Pod", "serving", "drop")
    fake.put(pod("new", 1))
    fake.gone_before = fake.rv  # a watch from before now gets 410
    events_before = r.metrics.events.get("Pod")
    pods.step()  # 410
    assert pods.need_list and r.metrics.relists.get("Pod") == 1
    pods.step()  # relist
    assert r.feed.keys("Pod") == ["serving/change", "serving/keep", "serving/new"]
    assert r.feed.get("Pod", "serving/change")["metadata"]["labels"] == {"x": "y"}
    assert r.metrics.events.get("Pod") - events_before == 3  # ADDED new, MODIFIED change, DELETED drop; keep untouched
    assert r.feed.cluster.stats["pods"] == 3
    assert nodes.relists == 0 and r.metrics.relists.get("Node") == 0
    assert 'npusched_watch_relists_total{stream="Pod"} 1' in r.metrics.render().splitlines()


def test_malformed_object_is_reported_and_skipped() -> None:
    fake = FakeBackend()
    r = _rig(fake)
    bad = pod("bad", 1)
    bad["spec"]["containers"][0]["resources"]["requests"]["huawei.com/Ascend910"] = "1.5"
    fake.put(bad)
    fake.put(pod("good", 1))
    r.sync()  # does not raise
    assert r.feed.has("Pod", "serving/good") and not r.feed.has("Pod", "serving/bad")
    assert r.metrics.malformed.get("Pod") == 1
    assert r.elector.try_acquire_or_renew()
    r.sched.cycle()
    [event] = fake.events("InvalidObject")
    assert event["involvedObject"]["name"] == "bad" and "1.5" in event["message"]
    r.sched.cycle()
    assert len(fake.events("InvalidObject")) == 1


def test_assumed_pod_is_not_replaced_by_older_events() -> None:
    fake = FakeBackend()
    fake.put(pod("a", 8))
    fake.put(pod("b", 8))
    fake.put(pod("c", 8))
    r = _rig(fake)
    patched = fake.patch_pod("serving", "a", {"metadata": {"annotations": {"x": "1"}}})  # rv N, not bound yet
    assumed = dict(patched, spec=dict(patched["spec"], nodeName="n0"))
    r.feed.assume(assumed)
    r.sync()  # the watch delivers the patch event (same version, no nodeName): dropped
    assert r.feed.get("Pod", "serving/a")["spec"]["nodeName"] == "n0"
    assert "serving/a" in r.feed.assumed()
    plan = r.feed.cluster.plan(now=1700000000)
    assert "serving/a" not in [b["pod"] for b in plan["bindings"]]
    fake.bind_pod("serving", "a", "", "n1")  # the server's truth, newer: replaces the assumption
    r.sync()
    assert r.feed.get("Pod", "serving/a")["spec"]["nodeName"] == "n1" and not r.feed.assumed()


def test_absent_crd_is_tolerated_and_listed_again_later() -> None:
    fake = FakeBackend()
    fake.absent_kinds.add("LeaderWorkerSet")
    r = _rig(fake)
    lws = next(i for i in r.informers if i.stream.kind == "LeaderWorkerSet")
    assert lws.synced.is_set() and lws.need_list
    fake.absent_kinds.clear()
    fake.put({"apiVersion": "leaderworkerset.x-k8s.io/v1", "kind": "LeaderWorkerSet",
              "metadata": {"name": "l", "namespace": "serving"}, "spec": {}})
    lws.step()
    assert not lws.need_list and r.feed.has("LeaderWorkerSet", "serving/l")


def test_namespace_scope_hides_other_namespaces_pending_pods_only() -> None:
    fake = FakeBackend()
    small_world(fake, nodes=1)
    fake.put(pod("theirs", 8, ns="other"))
    fake.put(pod("held", 4, ns="other", node_name="n0", chips="Ascend910-0,Ascend910-1,Ascend910-2,Ascend910-3"))
    fake.put(pod("ours", 4))
    r = Rig(fake, namespace="serving")
    assert not r.feed.has("Pod", "other/theirs") and r.feed.has("Pod", "other/held")
    r.cycle()
    assert fake.pod("serving", "ours")["spec"]["nodeName"] == "n0"
    assert not fake.pod("other", "theirs")["spec"].get("nodeName")


def test_podgroup_events_reach_the_model() -> None:
    fake = FakeBackend()
    r = _rig(fake)
    fake.put(podgroup("g", 2))
    r.sync()
    assert r.feed.has("PodGroup", "serving/g")
