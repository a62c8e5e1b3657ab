"""Scheduling throughput through a real kube-apiserver + etcd.

Starts etcd + kube-apiserver on loopback (the e2e harness), writes a seeded
synthetic cluster into it (Nodes, MindCluster ConfigMaps, the running pods),
creates M pending single-NPU pods and G gangs (a PodGroup and its pods), then
runs the scheduler in this process and measures, until every pod it can place
is bound:

- pods bound per second, from the first cycle to the last binding;
- the cycle time split: our decisions (``Cluster.faults`` + ``Cluster.plan``)
  against everything else in the cycle (the API calls of binding: one
  annotation patch and one ``pods/binding`` per pod, and the rest).

It is a benchmark, not a test. The binaries come from ``tools/e2e-build``:

    NPUSCHED_E2E_BIN=$(tools/e2e-build | tail -n 1) \\
      .venv/bin/python benchmarks/apiserver_throughput.py --nodes 1000 --pods 5000 --gangs 200
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e"))


from harness import APIServer  # noqa: E402
from npusched import _core  # noqa: E402
from npusched.scheduler import Runner, parse  # noqa: E402
from npusched.scheduler.backend import connections_needed, load_config  # noqa: E402
from story import NAME, NPU, create_object, ensure_namespace, pods  # noqa: E402

NAMESPACE = "bench"


class TimedCluster:
    """Passes every call to the model; adds up the time of the decisions."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.decide = inner, 0.0
        self.calls = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def _timed(self, fn: Any, **kw: Any) -> Any:
        t = time.perf_counter()
        try:
            return fn(**kw)
        finally:
            self.decide += time.perf_counter() - t
            self.calls += 1

    def plan(self, **kw: Any) -> Any:
        return self._timed(self.inner.plan, **kw)

    def faults(self, **kw: Any) -> Any:
        return self._timed(self.inner.faults, **kw)


def _pod(name: str, npus: int, group: str | None = None) -> dict[str, Any]:
    md: dict[str, Any] = {"name": name, "namespace": NAMESPACE}
    if group:
        md["annotations"] = {"scheduling.k8s.io/group-name": group}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": md,
            "spec": {"containers": [{"name": "main", "image": "worker",
                                     "resources": {"requests": {NPU: str(npus)}, "limits": {NPU: str(npus)}}}]}}


def _workload(pods_n: int, gangs: int, gang_size: int) -> list[dict[str, Any]]:
    """The gangs first, then the single pods (created in this order, so planned
    in it: 1-NPU members of a distributed job are legal on A2 only, and would
    find the A2 nodes full if the single pods came first)."""
    out: list[dict[str, Any]] = []
    for g in range(gangs):
        name = f"gang-{g:04d}"
        out.append({"apiVersion": "scheduling.volcano.sh/v1beta1", "kind": "PodGroup",
                    "metadata": {"name": name, "namespace": NAMESPACE}, "spec": {"minMember": gang_size}})
        out += [_pod(f"{name}-{i}", 1, name) for i in range(gang_size)]
    return out + [_pod(f"single-{i:05d}", 1) for i in range(pods_n)]


def _create_all(api: Any, objects: list[dict[str, Any]], threads: int) -> float:
    """Creates the objects, ``threads`` at a time, in order (the first one alone,
    which also fills the client's discovery cache)."""
    t = time.perf_counter()
    if objects:
        create_object(api, objects[0], NAME)
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(lambda o: create_object(api, o, NAME), objects[1:]))
    return time.perf_counter() - t


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--nodes", type=int, default=1000)
    p.add_argument("--pods", type=int, default=5000, help="pending single-NPU pods")
    p.add_argument("--gangs", type=int, default=200, help="pending gangs (PodGroup + members)")
    p.add_argument("--gang-size", type=int, default=2)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--bind-workers", type=int, default=8, help="as the scheduler's flag")
    p.add_argument("--timeout", type=float, default=1800.0)
    args = p.parse_args()
    bin_dir = os.environ.get("NPUSCHED_E2E_BIN")
    if not bin_dir:
        print("set NPUSCHED_E2E_BIN to the directory of kube-apiserver and etcd (tools/e2e-build prints it)",
              file=sys.stderr)
        return 2

    cluster = json.loads(_core.synthetic_snapshot_json(args.nodes, args.seed))["items"]
    workload = _workload(args.pods, args.gangs, args.gang_size)
    with APIServer(bin_dir) as server:
        server.install_crds()
        api = server.client()
        ensure_namespace(api, NAMESPACE)
        nodes = [o for o in cluster if o["kind"] == "Node"]
        rest = [o for o in cluster if o["kind"] != "Node"]
        t_load = _create_all(api, nodes, 8) + _create_all(api, rest, 8)
        t_create = _create_all(api, [o for o in workload if o["kind"] == "PodGroup"], 8)
        t_create += _create_all(api, [o for o in workload if o["kind"] == "Pod"], 8)
        print(f"cluster: {len(nodes)} nodes, {len(rest)} other objects written in {t_load:.1f}s; "
              f"workload: {args.pods} pods + {args.gangs} gangs of {args.gang_size} written in {t_create:.1f}s",
              flush=True)

        runner = Runner(parse(["--kubeconfig", server.kubeconfig, "--scheduler-name", NAME, "--period", "2",
                               "--debounce", "0.2", "--state-configmap", "default/npusched-state",
                               "--lease", "default/npusched", "--bind-workers", str(args.bind_workers)]),
                        load_config(server.kubeconfig, connections_needed(args.bind_workers)), identity="bench")
        timed = TimedCluster(runner.feed.cluster)
        runner.feed.cluster = timed
        want = {o["metadata"]["name"] for o in workload if o["kind"] == "Pod"}
        t0 = time.perf_counter()
        runner.start()
        last_bound, last_change, bound = 0.0, time.perf_counter(), 0
        try:
            while time.perf_counter() - t0 < args.timeout:
                time.sleep(1.0)
                bound = int(runner.metrics.bound.get())
                if bound != last_bound:
                    last_bound, last_change = bound, time.perf_counter()
                    print(f"  {time.perf_counter() - t0:6.1f}s: {bound} bound", flush=True)
                if bound >= len(want) or time.perf_counter() - last_change > 20:
                    break
        finally:
            runner.close()
        cycles = runner.metrics.cycle_duration
        cycle_total, cycle_count = cycles.sum, cycles.count
        got = pods(api, NAMESPACE)
        placed = sum(1 for n in want if got[n].spec.node_name)
        gang_placed = sum(1 for n in want if n.startswith("gang-") and got[n].spec.node_name)
        unplaced = dict(runner.metrics.unschedulable.values)
        left = timed.inner.plan(now=int(time.time()))["unschedulable"]
        example = f"{left[0]['pod']}: {left[0]['reason']}: {left[0]['message']}" if left else ""
        elapsed = last_change - t0
        api_errors = sum(runner.metrics.api_errors.values.values())

    print()
    print(f"bind workers: {args.bind_workers}")
    print("| nodes | pending pods | bound | wall to last bind | pods/s | cycles | cycle time | decisions | rest of the cycle |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    print(f"| {len(nodes)} | {len(want)} | {placed} | {elapsed:.1f} s | {placed / elapsed:.0f} | {cycle_count} "
          f"| {cycle_total:.2f} s | {timed.decide:.2f} s ({100 * timed.decide / cycle_total:.1f}%) "
          f"| {cycle_total - timed.decide:.2f} s |")
    print(f"gang members bound: {gang_placed} of {args.gangs * args.gang_size}; not placed, by reason: "
          + (", ".join(f"{k[0]} {v:.0f}" for k, v in sorted(unplaced.items())) or "none"))
    if example:
        print(f"for example {example}")
    print(f"API errors (attempts): {api_errors:.0f}; model calls: {timed.calls}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
