"""The harness's own checks against the real kube-apiserver."""

import kubernetes.client
import pytest
from kubernetes import watch
from kubernetes.client.rest import ApiException

from harness import add_node, bind_pod, finish_deletes, wait_for

NPU = "huawei.com/Ascend910"


def _pod(name):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"schedulerName": "npusched",
                     "containers": [{"name": "c", "image": "busybox",
                                     "resources": {"limits": {NPU: "1"}}}]}}


def test_node_ready_untainted_with_npus(apiserver):
    api = apiserver.client()
    add_node(api, "n-ready", {"accelerator": "huawei-Ascend910"}, {NPU: "8", "cpu": "64"})
    n = kubernetes.client.CoreV1Api(api).read_node("n-ready")
    assert n.status.allocatable[NPU] == "8"
    assert n.status.capacity[NPU] == "8"
    assert [c.status for c in n.status.conditions if c.type == "Ready"] == ["True"]
    assert not [t for t in (n.spec.taints or []) if t.key == "node.kubernetes.io/not-ready"]


def test_podgroup_create_and_status(apiserver, namespace):
    co = kubernetes.client.CustomObjectsApi(apiserver.client())
    g, v, p = "scheduling.volcano.sh", "v1beta1", "podgroups"
    co.create_namespaced_custom_object(g, v, namespace, p, {
        "apiVersion": f"{g}/{v}", "kind": "PodGroup", "metadata": {"name": "pg"},
        "spec": {"minMember": 4}})
    co.patch_namespaced_custom_object_status(g, v, namespace, p, "pg", {"status": {"phase": "Running"}})
    got = co.get_namespaced_custom_object(g, v, namespace, p, "pg")
    assert got["spec"]["minMember"] == 4 and got["status"]["phase"] == "Running"


def test_lws_create(apiserver, namespace):
    co = kubernetes.client.CustomObjectsApi(apiserver.client())
    g, v, p = "leaderworkerset.x-k8s.io", "v1", "leaderworkersets"
    co.create_namespaced_custom_object(g, v, namespace, p, {
        "apiVersion": f"{g}/{v}", "kind": "LeaderWorkerSet", "metadata": {"name": "lws"},
        "spec": {"replicas": 2, "leaderWorkerTemplate": {"size": 4}}})
    got = co.get_namespaced_custom_object(g, v, namespace, p, "lws")
    assert got["spec"]["leaderWorkerTemplate"]["size"] == 4


def test_pending_then_bind_then_conflict(apiserver, namespace):
    api = apiserver.client()
    core = kubernetes.client.CoreV1Api(api)
    add_node(api, "n-bind", {}, {NPU: "8"})
    core.create_namespaced_pod(namespace, _pod("p"))
    p = core.read_namespaced_pod("p", namespace)
    assert p.status.phase == "Pending" and p.spec.node_name is None
    bind_pod(api, namespace, "p", "n-bind")
    assert core.read_namespaced_pod("p", namespace).spec.node_name == "n-bind"
    with pytest.raises(ApiException) as e:
        bind_pod(api, namespace, "p", "n-bind")
    assert e.value.status == 409


def test_graceful_delete_waits_for_finish_deletes(apiserver, namespace):
    api = apiserver.client()
    core = kubernetes.client.CoreV1Api(api)
    add_node(api, "n-del", {}, {NPU: "8"})
    core.create_namespaced_pod(namespace, _pod("d"))
    bind_pod(api, namespace, "d", "n-del")
    core.delete_namespaced_pod("d", namespace, grace_period_seconds=30)
    assert core.read_namespaced_pod("d", namespace).metadata.deletion_timestamp is not None
    assert finish_deletes(api, namespace) == [f"{namespace}/d"]

    def gone():
        try:
            core.read_namespaced_pod("d", namespace)
            return False
        except ApiException as e:
            return e.status == 404

    wait_for(gone, timeout=10, what="pod d removed")


def test_watch_from_list_sees_added(apiserver, namespace):
    api = apiserver.client()
    core = kubernetes.client.CoreV1Api(api)
    rv = core.list_namespaced_pod(namespace).metadata.resource_version
    core.create_namespaced_pod(namespace, _pod("w"))
    w = watch.Watch()
    seen = []
    for ev in w.stream(core.list_namespaced_pod, namespace, resource_version=rv, timeout_seconds=10):
        seen.append((ev["type"], ev["object"].metadata.name))
        if seen[-1] == ("ADDED", "w"):
            w.stop()
    assert ("ADDED", "w") in seen


def test_restart_apiserver_keeps_objects(apiserver, namespace):
    core = kubernetes.client.CoreV1Api(apiserver.client())
    core.create_namespaced_config_map(namespace, {"metadata": {"name": "keep"}, "data": {"k": "v"}})
    apiserver.restart_apiserver()
    got = kubernetes.client.CoreV1Api(apiserver.client()).read_namespaced_config_map("keep", namespace)
    assert got.data == {"k": "v"}
