"""``npusched scheduler`` end to end: a real kube-apiserver + etcd, the
scheduler as a child process running as deploy/'s ServiceAccount, and the
tests standing in for the kubelet and the controllers."""

from __future__ import annotations

import json
import signal
import socket

import kubernetes.client
import pytest
from kubernetes.client.rest import ApiException

import npusched
from harness import APIServer, finish_deletes, set_pod_phase, wait_for
from story import (NAME, NPU, SYSTEM_NS, SchedulerProcess, apply_deploy, chip_fault, core, demo_cluster, load, pods,
                   recreate, run_podgroups, run_pods, service_account_kubeconfig, services, snapshot_of, super_pods,
                   wait_bound)

SERVING = "serving"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def fresh(e2e_bin, tmp_path):
    """A new etcd + kube-apiserver per test (Nodes and Leases are cluster-wide),
    with the CRDs, deploy/ applied, the demo cluster loaded and a kubeconfig
    of the scheduler's ServiceAccount."""
    server = APIServer(e2e_bin)
    server.start()
    try:
        server.install_crds()
        api = server.client()
        apply_deploy(api)
        load(api, demo_cluster()["items"])
        server.sa_kubeconfig = service_account_kubeconfig(server, str(tmp_path / "sa.kubeconfig"))
        server.tmp = tmp_path
        yield server
    finally:
        server.stop()


class Schedulers:
    """The scheduler processes a test started; all stopped at the end."""

    def __init__(self, server) -> None:
        self.server, self.started = server, []

    def start(self, *extra: str, log: str = "scheduler.log") -> SchedulerProcess:
        p = SchedulerProcess(self.server.sa_kubeconfig, str(self.server.tmp / log), *extra, metrics_port=_port())
        self.started.append(p)
        wait_for(lambda: self._serving(p), timeout=30, what="the scheduler's metrics endpoint")
        return p

    @staticmethod
    def _serving(p: SchedulerProcess) -> bool:
        assert p.alive(), "scheduler exited:\n" + p.log()[-3000:]
        try:
            p.metric("npusched_cycles_total")
            return True
        except OSError:
            return False

    def stop_all(self) -> None:
        for p in self.started:
            p.stop()
            # Shown by pytest when the test failed.
            print(f"--- last lines of {p.log_path}\n" + "\n".join(p.log().splitlines()[-60:]))


@pytest.fixture
def schedulers(fresh):
    s = Schedulers(fresh)
    yield s
    s.stop_all()


def _state(api) -> dict:
    cm = core(api).read_namespaced_config_map("npusched-state", SYSTEM_NS)
    return {k: json.loads(v) for k, v in (cm.data or {}).items()}


def _plan(api, now: int | None = None) -> dict:
    return npusched.plan(snapshot_of(api), now=now, scheduler_name=NAME)


# -- the P/D story ----------------------------------------------------------------------

def test_pd_services_bound_as_planned_then_a_chip_fault_replaces_only_the_broken_instance(fresh, schedulers):
    api = fresh.client()
    load(api, services(demo_cluster()))
    expected = _plan(api)
    assert expected["bindings"], expected
    want = {b["pod"].split("/", 1)[1]: b for b in expected["bindings"] if b["pod"].startswith(SERVING + "/")}
    sched = schedulers.start()

    # 1. Every pod of both services bound where the one-shot plan of the same objects puts it.
    got = wait_bound(api, want, SERVING)
    for name, b in want.items():
        pod = got[name]
        assert pod.spec.node_name == b["node"], name
        annotations = pod.metadata.annotations or {}
        for k, v in b["annotations"].items():
            if k == "predicate-time":
                assert annotations[k].isdigit(), (name, annotations)
            else:
                assert annotations.get(k) == v, (name, k, annotations.get(k), v)
        if b["chips"]:  # the router needs no NPU
            assert annotations[NPU] == ",".join(b["chips"]), (name, annotations)
    assert sched.metric("npusched_bound_total") == len(expected["bindings"])
    assert "Forbidden" not in sched.log(), sched.log()[-3000:]

    # 2. sp-block: each gang of the SuperPoD service lies in one super-pod.
    sp_of = super_pods(api)
    by_group: dict[str, set[str]] = {}
    for name, b in want.items():
        group = (got[name].metadata.annotations or {}).get("scheduling.k8s.io/group-name", name)
        if b["node"] in sp_of:
            by_group.setdefault(group, set()).add(sp_of[b["node"]])
    assert by_group and all(len(s) == 1 for s in by_group.values()), by_group

    # 3. The pods run; then one chip under a pod of each service breaks.
    run_pods(api, SERVING)
    run_podgroups(api, SERVING)
    before = pods(api, SERVING)
    a2_pod = next(n for n, b in sorted(want.items()) if b["node"] not in sp_of and b["chips"])
    sp_pod = next(n for n, b in sorted(want.items()) if b["node"] in sp_of and b["chips"])
    broken = {}
    for name in (a2_pod, sp_pod):
        b = want[name]
        chip = int(b["chips"][0].rsplit("-", 1)[1])
        chip_fault(api, b["node"], chip)
        broken[name] = (b["node"], chip)

    # 4. The force-labelled SuperPoD pod is gone at once; the grace-labelled A2
    #    pod is terminating with its own grace period; every other pod untouched.
    def deleted():
        now = pods(api, SERVING)
        assert sp_pod not in now or now[sp_pod].metadata.uid != before[sp_pod].metadata.uid, "force pod still there"
        assert now[a2_pod].metadata.deletion_timestamp is not None, "grace pod not terminating"
        return now

    now = wait_for(deleted, timeout=30, what="the faulty instances' pods deleted")
    assert now[a2_pod].metadata.deletion_grace_period_seconds == before[a2_pod].spec.termination_grace_period_seconds
    for name, pod in before.items():
        if name in broken or name not in want:
            continue
        assert now[name].metadata.uid == pod.metadata.uid and now[name].metadata.deletion_timestamp is None, name
        assert now[name].spec.node_name == pod.spec.node_name, name

    # 5. The controllers recreate the two pods. The SuperPoD replacement is bound
    #    off the broken chip; the A2 cluster has no whole free node left (one
    #    node runs another workload, one has the broken chip), so that replacement
    #    is reported unschedulable, naming the node one chip short.
    assert finish_deletes(api, SERVING) == [f"{SERVING}/{a2_pod}"]
    for name in broken:
        wait_for(lambda name=name: name not in pods(api, SERVING), timeout=10, what=f"{name} removed")
        recreate(api, SERVING, name, api.sanitize_for_serialization(before[name]))
    replaced = wait_bound(api, [sp_pod], SERVING)[sp_pod]
    node, chip = broken[sp_pod]
    assert replaced.spec.node_name != node or f"Ascend910-{chip}" not in replaced.metadata.annotations[NPU].split(",")
    a2_node, a2_chip = broken[a2_pod]

    def a2_reported():
        pod = pods(api, SERVING)[a2_pod]
        cond = [c for c in (pod.status.conditions or []) if c.type == "PodScheduled"]
        assert not pod.spec.node_name and cond and cond[0].reason == "Unschedulable", cond
        return cond[0].message

    message = wait_for(a2_reported, timeout=30, what="the A2 replacement reported unschedulable")
    assert f"node {a2_node} has 7 of the 8 NPUs free" in message, message

    # 6. The chip is repaired: the A2 replacement goes back to that node, on all 8 chips.
    chip_fault(api, a2_node, a2_chip, repaired=True)
    back = wait_bound(api, [a2_pod], SERVING)[a2_pod]
    assert back.spec.node_name == a2_node and f"Ascend910-{a2_chip}" in back.metadata.annotations[NPU].split(",")
    assert _state(api)["half-bound-gangs"] == []
    assert sched.metric("npusched_fault_deletions_total", '{mode="force"}') == 1
    assert sched.metric("npusched_fault_deletions_total", '{mode="grace"}') == 1


# -- gangs all-or-nothing, unplaceable pods ------------------------------------------------

def _training_gang(namespace: str, name: str, members: int, npus: int, labels: dict | None = None) -> list[dict]:
    pg = {"apiVersion": "scheduling.volcano.sh/v1beta1", "kind": "PodGroup",
          "metadata": {"name": name, "namespace": namespace, "labels": dict(labels or {})},
          "spec": {"minMember": members}}
    out = [pg]
    for i in range(members):
        out.append({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": f"{name}-{i}", "namespace": namespace, "labels": dict(labels or {}),
                         "annotations": {"scheduling.k8s.io/group-name": name}},
            "spec": {"nodeSelector": {"accelerator-type": "module-910b-8"},
                     "terminationGracePeriodSeconds": 5,
                     "containers": [{"name": "main", "image": "trainer",
                                     "resources": {"requests": {NPU: str(npus)}, "limits": {NPU: str(npus)}}}]},
        })
    return out


def test_a_gang_that_does_not_fit_binds_nothing_and_every_member_is_reported(fresh, schedulers):
    api = fresh.client()
    # Four A2 nodes, one half used: five whole-node members cannot all fit, a single 4-NPU pod can.
    load(api, _training_gang("train", "too-big", 5, 8) + _training_gang("train", "small", 1, 4))
    sched = schedulers.start()
    wait_bound(api, ["small-0"], "train")

    def reported():
        got = pods(api, "train")
        for i in range(5):
            pod = got[f"too-big-{i}"]
            assert pod.spec.node_name is None
            cond = [c for c in (pod.status.conditions or []) if c.type == "PodScheduled"]
            assert cond and cond[0].status == "False" and cond[0].reason == "Unschedulable", cond
        return got

    got = wait_for(reported, timeout=30, what="every member of the gang reported unschedulable")
    message = [c for c in got["too-big-0"].status.conditions if c.type == "PodScheduled"][0].message
    events = core(api).list_namespaced_event("train").items
    failed = [e for e in events if e.reason == "FailedScheduling" and e.involved_object.name == "too-big-0"]
    assert failed and failed[0].type == "Warning" and failed[0].message == f"gang_incomplete: {message}"
    assert "could place 3 of the 5" in message, message
    sched.wait_cycles(3)  # an unplaceable pod causes no writes every cycle
    events_after = core(api).list_namespaced_event("train").items
    assert len([e for e in events_after if e.reason == "FailedScheduling"]) == \
        len([e for e in events if e.reason == "FailedScheduling"])


# -- restart: the retry budget survives ----------------------------------------------------

def test_a_restarted_scheduler_keeps_the_retry_budget(fresh, schedulers):
    api = fresh.client()
    labels = {"fault-scheduling": "force", "fault-retry-times": "1"}
    load(api, _training_gang("train", "job", 2, 8, labels))
    sched = schedulers.start()
    first = wait_bound(api, ["job-0", "job-1"], "train")
    run_pods(api, "train")
    run_podgroups(api, "train")

    # A business-plane failure: the job restarts (job level, force) and spends its one retry.
    set_pod_phase(api, "train", "job-1", "Failed")
    wait_for(lambda: all(n not in pods(api, "train") for n in ("job-0", "job-1")), timeout=30,
             what="the failed job deleted")
    for name in ("job-0", "job-1"):
        recreate(api, "train", name, api.sanitize_for_serialization(first[name]))
    second = wait_bound(api, ["job-0", "job-1"], "train")
    run_pods(api, "train")
    run_podgroups(api, "train")
    kept = _state(api)["state"]
    assert "train/job" in json.dumps(kept), kept

    # Restart the scheduler; the new process reads the budget back.
    sched.stop()
    sched = schedulers.start(log="scheduler-2.log")
    wait_for(lambda: "became the leader" in sched.log(), timeout=30,
             what="the new process leading")
    sched.wait_cycles(2)
    set_pod_phase(api, "train", "job-0", "Failed")
    sched.wait_cycles(4)
    now = pods(api, "train")
    for name in ("job-0", "job-1"):
        assert now[name].metadata.uid == second[name].metadata.uid and now[name].metadata.deletion_timestamp is None, \
            f"{name} deleted again although the retry budget is spent:\n" + sched.log()[-3000:]


# -- two replicas: only the leader binds -----------------------------------------------------

def test_two_replicas_only_the_leader_binds_and_the_other_takes_over(fresh, schedulers):
    api = fresh.client()
    # Lease timings long enough that a loaded machine does not move the Lease
    # by itself; a stopping leader gives it up at once (and the other takes it
    # within --retry-period).
    steady = ("--lease-duration", "15", "--renew-deadline", "10", "--retry-period", "1")
    a = schedulers.start(*steady, log="a.log")
    b = schedulers.start(*steady, log="b.log")
    lease = kubernetes.client.CoordinationV1Api(api)

    def holder():
        return lease.read_namespaced_lease(NAME, SYSTEM_NS).spec.holder_identity

    first = wait_for(holder, timeout=30, what="a Lease holder")
    leader, other = (a, b) if first.endswith(f"_{a.proc.pid}") else (b, a)
    load(api, _training_gang("train", "one", 1, 8))
    wait_bound(api, ["one-0"], "train")
    assert leader.metric("npusched_bound_total") == 1 and other.metric("npusched_bound_total") == 0
    assert leader.metric("npusched_is_leader") == 1 and other.metric("npusched_is_leader") == 0

    # The leader stops; the other takes the Lease and binds what comes next.
    leader.stop(signal.SIGTERM)
    wait_for(lambda: (holder() or "").endswith(f"_{other.proc.pid}"), timeout=30, what="the other replica leading")
    load(api, _training_gang("train", "two", 1, 8))
    wait_bound(api, ["two-0"], "train")
    assert other.metric("npusched_bound_total") == 1


# -- API errors: a pod deleted between plan and bind, a 500 on a binding --------------------

class _Hooked:
    """A backend that, once, deletes a pod right before the scheduler patches
    it (a race with its owner), and answers one bind with a 500."""

    def __init__(self, inner, admin, victim: tuple[str, str], fail_bind: str) -> None:
        self.inner, self.admin, self.victim, self.fail_bind = inner, admin, victim, fail_bind
        self.deleted = self.failed = False

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def patch_pod(self, namespace, name, body):
        if (namespace, name) == self.victim and not self.deleted:
            self.deleted = True
            core(self.admin).delete_namespaced_pod(name, namespace, grace_period_seconds=0)
        return self.inner.patch_pod(namespace, name, body)

    def bind_pod(self, namespace, name, uid, node):
        if name == self.fail_bind and not self.failed:
            from npusched.scheduler.backend import BackendError

            self.failed = True
            raise BackendError(500, "http", "injected: etcd leader changed")
        return self.inner.bind_pod(namespace, name, uid, node)


def test_a_pod_deleted_between_plan_and_bind_leaves_a_record_and_the_loop_carries_on(fresh):
    from npusched.scheduler import Runner, parse
    from npusched.scheduler.backend import load_config

    api = fresh.client()
    gang = _training_gang("train", "pair", 2, 8)
    load(api, gang + _training_gang("train", "solo", 1, 4))
    args = parse(["--kubeconfig", fresh.sa_kubeconfig, "--scheduler-name", NAME, "--period", "1",
                  "--debounce", "0.1", "--lease-duration", "4", "--renew-deadline", "3", "--retry-period", "1"])
    hooked: list[_Hooked] = []

    def wrap(inner):
        hooked.append(_Hooked(inner, api, ("train", "pair-1"), "solo-0"))
        return hooked[0]

    runner = Runner(args, load_config(fresh.sa_kubeconfig), backend_wrapper=wrap, identity="e2e-in-process")
    runner.start()
    try:
        wait_bound(api, ["pair-0", "solo-0"], "train")
        assert hooked[0].deleted and hooked[0].failed
        assert runner.metrics.api_errors.get("create pod/binding", "500") >= 1

        def recorded():
            gangs = _state(api)["half-bound-gangs"]
            assert gangs and gangs[0]["group"] == "train/pair" and gangs[0]["bound"] == ["train/pair-0"], gangs
            return gangs

        wait_for(recorded, timeout=30, what="the half-bound gang recorded in the state ConfigMap")
        events = core(api).list_namespaced_event("train").items
        assert any(e.reason == "GangHalfBound" and e.involved_object.name == "pair" for e in events)

        # The controller brings the member back; the scheduler completes the gang and closes the record.
        recreate(api, "train", "pair-1", gang[2])
        wait_bound(api, ["pair-1"], "train")
        wait_for(lambda: _state(api)["half-bound-gangs"] == [], timeout=30, what="the record closed")
        load(api, _training_gang("train", "later", 1, 2))
        wait_bound(api, ["later-0"], "train")
    finally:
        runner.close()


# -- dry run ------------------------------------------------------------------------------

def test_dry_run_once_prints_the_plan_and_writes_nothing(fresh):
    import subprocess
    import sys

    api = fresh.client()
    load(api, _training_gang("train", "one", 1, 8))
    expected = _plan(api)
    r = subprocess.run([sys.executable, "-m", "npusched", "scheduler", "--kubeconfig", fresh.sa_kubeconfig,
                        "--scheduler-name", NAME, "--dry-run", "--once"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    lines = [json.loads(x) for x in r.stdout.splitlines()]
    binds = {d["pod"]: d["node"] for d in lines if d["decision"] == "bind"}
    assert binds == {b["pod"]: b["node"] for b in expected["bindings"]}
    assert pods(api, "train")["one-0"].spec.node_name is None
    for read in (lambda: core(api).read_namespaced_config_map("npusched-state", SYSTEM_NS),
                 lambda: kubernetes.client.CoordinationV1Api(api).read_namespaced_lease(NAME, SYSTEM_NS)):
        with pytest.raises(ApiException) as e:
            read()
        assert e.value.status == 404
    assert not core(api).list_namespaced_event("train").items
