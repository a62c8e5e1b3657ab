"""A trace simulator: replays a seeded or recorded trace of job arrivals,
departures, chip and node faults and repairs on a synthetic cluster, with the
live model (:class:`npusched.Cluster`) deciding every step, and reports
placement quality (docs/simulate.md).

Every decision comes from the core: ``Cluster.faults`` (deletions of broken
instances), ``Cluster.plan`` (placements, with the policy under test) and
:func:`npusched.metrics` (fragmentation). This module only plays the other
side — the API server and controllers binding pods, deleting departed jobs,
recreating deleted pods, the device plugin reporting faults and repairs — on
the same Kubernetes objects the scheduler would see, and feeds each change to
the live model as a watch event.
"""

from __future__ import annotations

import copy
import heapq
import json
import math
import random
import time
from collections.abc import Iterable, Sequence
from typing import Any
from xml.sax.saxutils import escape

from . import simulate
from ._cluster import Cluster
from ._errors import invalid
from ._generate import generate
from ._metrics import metrics

__all__ = ["FAMILIES", "POLICIES", "chart_svg", "compare", "generate_trace", "read_trace", "run", "summary_table"]

POLICIES = ("npusched", "random-ties", "first-fit", "block-fit")
FAMILIES = ("inference-superpod", "mixed", "fault-storm")
_NPU = "huawei.com/Ascend910"
_EVENTS = ("submit", "chip_fault", "chip_repair", "node_fault", "node_repair")
_BUCKETS = ((8, "1-8"), (32, "9-32"), (128, "33-128"), (math.inf, ">128"))
_DEFRAG_TRIES = 3  # waiting jobs asked for advice per step, in name order


# ---------------------------------------------------------------------------
# Traces


def _job(t: int, name: str, accel: str, pods: int, npus: int, duration: int, sp_block: int | None = None,
         service: str | None = None) -> dict[str, Any]:
    job: dict[str, Any] = {"t": t, "kind": "submit", "job": name, "type": accel, "pods": pods, "npus": npus,
                           "duration": duration}
    if sp_block is not None:
        job["sp_block"] = sp_block
    if service is not None:
        job["service"] = service
    return job


def generate_trace(family: str, seed: int = 1, steps: int = 120) -> list[dict[str, Any]]:
    """A seeded trace of ``family`` (``FAMILIES``): a cluster line, then
    ``steps`` arrival times with their jobs, faults and repairs. The same
    arguments give the same trace."""
    if family not in FAMILIES:
        raise invalid("family", "unknown_value", f"{family!r} is not one of {', '.join(FAMILIES)}")
    if isinstance(steps, bool) or not isinstance(steps, int) or not 1 <= steps <= 100_000:
        raise invalid("steps", "out_of_range", f"{steps!r} is out of range (1..100000)")
    rng = random.Random(f"{family}/{seed}")
    if family == "inference-superpod":
        cluster = {"kind": "cluster", "nodes": 64, "mix": "module-a3-16-super-pod:1", "super_pod_size": 16}
    else:
        cluster = {"kind": "cluster", "nodes": 96,
                   "mix": "module-910b-8:0.4,module-a3-16:0.2,module-a3-16-super-pod:0.4", "super_pod_size": 16}
    nodes = _node_names(cluster)
    out: list[dict[str, Any]] = [cluster]
    fault_rate = {"inference-superpod": 0.03, "mixed": 0.03, "fault-storm": 0.3}[family]
    broken: list[tuple[str, int]] = []
    for step in range(steps):
        t = 60 * (step + 1)
        for j in range(1 + rng.randrange(3)):
            name = f"sim/j{step:04d}-{j}"
            r = rng.random()
            if family == "inference-superpod" or r < 0.45:  # an SGLang P or D instance on the SuperPoD
                role = rng.choice(("prefill", "decode"))
                block = rng.choice((1, 2) if role == "prefill" else (2, 4))
                blocks = 1 if role == "prefill" else rng.choice((1, 1, 2))
                out.append(_job(t, name, "module-a3-16-super-pod", block * blocks, 16,
                                60 * rng.randrange(5, 40), sp_block=16 * block, service=f"svc{rng.randrange(4)}"))
            elif r < 0.65:  # a P/D instance on A2 or A3 (Deployment shape: one pod)
                accel, npus = rng.choice((("module-910b-8", 8), ("module-910b-8", 4), ("module-a3-16", 16),
                                          ("module-a3-16", 8)))
                out.append(_job(t, name, accel, 1, npus, 60 * rng.randrange(5, 40), service=f"svc{rng.randrange(4)}"))
            elif r < 0.85:  # a training gang of whole nodes
                accel, npus = rng.choice((("module-910b-8", 8), ("module-a3-16", 16)))
                out.append(_job(t, name, accel, rng.choice((2, 4, 8)), npus, 60 * rng.randrange(10, 60)))
            else:  # single-NPU work
                out.append(_job(t, name, rng.choice(("module-910b-8", "module-a3-16")), 1, 1,
                                60 * rng.randrange(2, 20)))
        if rng.random() < fault_rate:
            node = rng.choice(nodes)
            if rng.random() < 0.7:
                chip = rng.randrange(16 if not node.startswith("a2-") else 8)
                out.append({"t": t, "kind": "chip_fault", "node": node, "chip": chip})
                broken.append((node, chip))
            else:
                out.append({"t": t, "kind": "node_fault", "node": node})
                broken.append((node, -1))
        if broken and rng.random() < fault_rate * 0.8:
            node, chip = broken.pop(rng.randrange(len(broken)))
            out.append({"t": t, "kind": "node_repair", "node": node} if chip < 0 else
                       {"t": t, "kind": "chip_repair", "node": node, "chip": chip})
    return out


def _node_names(cluster: dict[str, Any]) -> list[str]:
    doc = _base_cluster(cluster)
    return sorted(i["metadata"]["name"] for i in doc["items"] if i["kind"] == "Node")


def read_trace(lines: Iterable[str]) -> list[dict[str, Any]]:
    """A trace from JSON Lines (docs/simulate.md): the cluster line first,
    then events with non-decreasing ``t``. Raises :class:`InvalidInput`
    naming the line."""
    out: list[dict[str, Any]] = []
    last_t = 0
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"line {n}"
        try:
            event = json.loads(line)
        except ValueError as e:
            raise invalid(where, "malformed_document", f"not JSON: {e}") from None
        if not isinstance(event, dict):
            raise invalid(where, "wrong_type", "expected a JSON object")
        kind = event.get("kind")
        if not out:
            if kind != "cluster":
                raise invalid(f"{where}.kind", "invalid_value", "the first line must be the cluster (kind: cluster)")
            for key, typ in (("nodes", int), ("mix", str), ("super_pod_size", int)):
                if key in event and (not isinstance(event[key], typ) or isinstance(event[key], bool)):
                    raise invalid(f"{where}.{key}", "wrong_type", f"expected {typ.__name__}")
            out.append(event)
            continue
        if kind not in _EVENTS:
            raise invalid(f"{where}.kind", "unknown_value", f"{kind!r} is not one of {', '.join(_EVENTS)}")
        t = event.get("t")
        if isinstance(t, bool) or not isinstance(t, int) or t < last_t:
            raise invalid(f"{where}.t", "invalid_value", "expected an integer time, not before the previous line")
        last_t = t
        fields = (("job", str), ("type", str), ("pods", int), ("npus", int), ("duration", int)) if kind == "submit" \
            else (("node", str),) + ((("chip", int),) if kind.startswith("chip") else ())
        for key, typ in fields:
            if not isinstance(event.get(key), typ) or isinstance(event.get(key), bool):
                raise invalid(f"{where}.{key}", "missing_field" if key not in event else "wrong_type",
                              f"expected {typ.__name__}")
        if kind == "submit" and (event["pods"] < 1 or event["npus"] < 1 or event["duration"] < 1):
            raise invalid(f"{where}", "out_of_range", "pods, npus and duration must be at least 1")
        out.append(event)
    if not out:
        raise invalid("line 1", "missing_field", "the trace is empty: it needs a cluster line")
    return out


# ---------------------------------------------------------------------------
# The cluster's side


def _base_cluster(header: dict[str, Any]) -> dict[str, Any]:
    return generate(header.get("nodes", 64), mix=header.get("mix"), super_pod_size=header.get("super_pod_size", 48),
                    occupancy=0.0, faults=0.0, node_faults=0.0, seed=header.get("seed", 1))


def _key(item: dict[str, Any]) -> tuple[str, str, str]:
    md = item["metadata"]
    return item["kind"], md.get("namespace", ""), md["name"]


def _job_objects(e: dict[str, Any]) -> list[dict[str, Any]]:
    ns, name = e["job"].split("/", 1)
    labels = {"fault-scheduling": "force"}
    if "service" in e:
        labels["ome.io/inferenceservice"] = e["service"]
    group: dict[str, Any] = {"apiVersion": "scheduling.volcano.sh/v1beta1", "kind": "PodGroup",
                             "metadata": {"name": name, "namespace": ns, "uid": f"pg-{e['job']}", "labels": labels,
                                          "annotations": {}},
                             "spec": {"minMember": e["pods"]}, "status": {"phase": "Pending"}}
    if "sp_block" in e:
        group["metadata"]["annotations"]["sp-block"] = str(e["sp_block"])
    pods = []
    for r in range(e["pods"]):
        annotations = {"scheduling.k8s.io/group-name": name}
        if "sp_block" in e:
            annotations["hccl/rankIndex"] = str(r)
        pods.append({"apiVersion": "v1", "kind": "Pod",
                     "metadata": {"name": f"{name}-{r}", "namespace": ns, "uid": f"{e['job']}-{r}",
                                  "labels": dict(labels), "annotations": annotations,
                                  "creationTimestamp": "2025-01-01T00:00:00Z"},
                     "spec": {"schedulerName": "volcano", "nodeSelector": {"accelerator-type": e["type"]},
                              "containers": [{"name": "main", "resources": {"requests": {_NPU: str(e["npus"])},
                                                                            "limits": {_NPU: str(e["npus"])}}}]},
                     "status": {"phase": "Pending"}})
    return [group, *pods]


def _set_ready(snapshot: dict[str, Any], node: str, ready: bool) -> dict[str, Any]:
    out = copy.deepcopy(snapshot)
    for item in out["items"]:
        if item["kind"] == "Node" and item["metadata"]["name"] == node:
            conditions = item.setdefault("status", {}).setdefault("conditions", [])
            conditions[:] = [c for c in conditions if c.get("type") != "Ready"]
            conditions.append({"type": "Ready", "status": "True" if ready else "False"})
    return out


class _World:
    """The objects the API server holds, and the live model fed their changes."""

    def __init__(self, snapshot: dict[str, Any]) -> None:
        self.objects = {_key(i): i for i in snapshot["items"]}
        self.version = 1
        self.cluster = Cluster()
        self.cluster.load(self._stamped(snapshot))

    def _stamped(self, snapshot: dict[str, Any]) -> dict[str, Any]:
        for item in snapshot["items"]:
            item["metadata"]["resourceVersion"] = str(self.version)
        return snapshot

    def snapshot(self) -> dict[str, Any]:
        return {"apiVersion": "v1", "kind": "List", "items": list(self.objects.values())}

    def replace(self, new: dict[str, Any]) -> None:
        """Makes `new` the world, sending the live model an event per object that changed."""
        events = []
        fresh = {_key(i): i for i in new["items"]}
        for key, item in fresh.items():
            old = self.objects.get(key)
            if old is not None and old == item:
                continue
            self.version += 1
            item["metadata"]["resourceVersion"] = str(self.version)
            events.append({"type": "MODIFIED" if old is not None else "ADDED", "object": item})
        for key, item in self.objects.items():
            if key not in fresh:
                events.append({"type": "DELETED", "object": item})
        self.objects = fresh
        if events:
            self.cluster.apply_many(events)


# ---------------------------------------------------------------------------
# A run


def _bucket(npus: int) -> str:
    return next(label for top, label in _BUCKETS if npus <= top)


def _percentile(values: Sequence[float], p: float) -> float:
    if not values:
        return 0.0
    v = sorted(values)
    return float(v[min(len(v) - 1, math.ceil(p * len(v)) - 1)])


def run(trace: Sequence[dict[str, Any]], *, policy: str = "npusched", policy_seed: int = 0,
        timing: bool = False, defrag: bool = False) -> dict[str, Any]:
    """Replays ``trace`` (from :func:`generate_trace` or :func:`read_trace`)
    up to its last event with ``policy`` (``POLICIES``) and returns the
    report (docs/simulate.md): a job not started by then is not accepted.
    With ``defrag``, each step asks :meth:`Cluster.defrag` about the first
    waiting jobs (by name), carries out the first advice (:func:`simulate.move`),
    plans again and records whether the gang then fits (``report["defrag"]``).
    Deterministic unless ``timing`` adds the measured decision times."""
    if not isinstance(defrag, bool):
        raise invalid("defrag", "wrong_type", f"expected a bool, got {type(defrag).__name__}")
    if policy not in POLICIES:
        raise invalid("policy", "unknown_value", f"{policy!r} is not one of {', '.join(POLICIES)}")
    header, events = trace[0], list(trace[1:])
    world = _World(_base_cluster(header))
    sizes = sorted({e["npus"] for e in events if e["kind"] == "submit"})
    blocks = sorted({e["sp_block"] // 16 for e in events if "sp_block" in e})
    jobs: dict[str, dict[str, Any]] = {}
    ends: list[tuple[int, str]] = []
    times = sorted({e["t"] for e in events})
    by_time: dict[int, list[dict[str, Any]]] = {}
    for e in events:
        by_time.setdefault(e["t"], []).append(e)
    heap = list(times)
    heapq.heapify(heap)
    seen: set[int] = set()
    state: Any = None
    series: list[dict[str, Any]] = []
    decision_times: list[float] = []
    reschedules = 0
    repairs: list[int] = []
    moves = {"asked": 0, "advised": 0, "fitted": 0, "missed": 0, "pods_moved": 0}
    last_t = times[-1] if times else 0
    while heap:
        t = heapq.heappop(heap)
        if t > last_t:  # the trace's horizon: its last event
            break
        if t in seen:
            continue
        seen.add(t)
        snap = world.snapshot()
        # Departures: a started job whose time is up leaves (its pods and PodGroup are deleted).
        gone = {name for end, name in ends if end <= t}
        ends = [(end, name) for end, name in ends if end > t]
        for name in gone:
            jobs[name]["ended"] = t
        if gone:
            snap = {**snap, "items": [i for i in snap["items"] if _owner(i) not in gone]}
        for e in by_time.get(t, []):
            if e["kind"] == "submit":
                jobs[e["job"]] = {"event": e, "submitted": t, "started": None, "npus": e["pods"] * e["npus"]}
                snap = {**snap, "items": snap["items"] + _job_objects(e)}
            elif e["kind"] in ("chip_fault", "chip_repair"):
                change = simulate.inject_chip_fault if e["kind"] == "chip_fault" else simulate.repair_chip_fault
                snap = change(snap, e["node"], e["chip"], t)
            else:
                snap = _set_ready(snap, e["node"], e["kind"] == "node_repair")
        world.replace(snap)

        started = time.perf_counter()
        report = world.cluster.faults(now=t, state=state)
        spent = time.perf_counter() - started
        state = report["state"]
        if report["actions"]:
            reschedules += len(report["actions"])
            for a in report["actions"]:
                job = jobs.get(a["pod"].rsplit("-", 1)[0])
                if job is not None and job.get("repairing") is None:
                    job["repairing"] = t
            world.replace(simulate.apply_actions(world.snapshot(), report))
        started = time.perf_counter()
        plan = world.cluster.plan(now=t, state=state, policy=policy, policy_seed=policy_seed)
        decision_times.append(spent + time.perf_counter() - started)
        if plan["bindings"]:
            world.replace(simulate.bind(world.snapshot(), plan))
        if defrag:
            _defragment(world, jobs, moves, t, state, policy, policy_seed)
        running = _bound_pods(world.snapshot())
        for name, job in jobs.items():
            if job.get("ended") is not None:
                continue
            whole = running.get(name, 0) == job["event"]["pods"]
            if whole and job["started"] is None:
                job["started"] = t
                end = t + job["event"]["duration"]
                ends.append((end, name))
                heapq.heappush(heap, end)
            if whole and job.get("repairing") is not None:
                repairs.append(t - job.pop("repairing"))
        m = metrics(world.snapshot(), request_sizes=sizes or None, block_nodes=blocks or None)
        started_so_far = sum(1 for j in jobs.values() if j["started"] is not None)
        series.append({"t": t, "pending_jobs": sum(1 for j in jobs.values() if j["started"] is None),
                       "acceptance": round(started_so_far / len(jobs), 6) if jobs else 1.0,
                       "stranded_npus": sum(x["stranded_npus"] for x in m["types"]),
                       "stranded_nodes": sum(x["stranded_nodes"] for x in m["types"]),
                       "free_npus": sum(x["free_npus"] for x in m["types"]),
                       "fragmentation": _weighted_fragmentation(m)})
    report = _report(policy, policy_seed, jobs, series, reschedules, repairs, decision_times if timing else None)
    if defrag:
        report["defrag"] = moves
    return report


def _defragment(world: _World, jobs: dict[str, dict[str, Any]], moves: dict[str, int], t: int, state: Any,
                policy: str, policy_seed: int) -> None:
    """Asks for advice about the first waiting jobs, carries out the first
    ``advised`` one, plans again and counts whether the gang then fits."""
    bound = _bound_pods(world.snapshot())
    waiting = sorted(name for name, j in jobs.items() if j["started"] is None and not bound.get(name))
    for name in waiting[:_DEFRAG_TRIES]:
        moves["asked"] += 1
        advice = world.cluster.defrag(group=name, now=t, state=state)
        if not advice or advice[0]["status"] != "advised":
            continue
        moves["advised"] += 1
        moves["pods_moved"] += len(advice[0]["moves"])
        world.replace(simulate.move(world.snapshot(), advice[0]))
        again = world.cluster.plan(now=t, state=state, policy=policy, policy_seed=policy_seed)
        fitted = any(g["group"] == name and g["admitted"] for g in again["gangs"])
        moves["fitted" if fitted else "missed"] += 1
        if again["bindings"]:
            world.replace(simulate.bind(world.snapshot(), again))
        return


def _owner(item: dict[str, Any]) -> str | None:
    md = item["metadata"]
    if item["kind"] == "PodGroup":
        return f"{md.get('namespace', '')}/{md['name']}"
    if item["kind"] == "Pod":
        group = md.get("annotations", {}).get("scheduling.k8s.io/group-name")
        return f"{md.get('namespace', '')}/{group}" if group else None
    return None


def _bound_pods(snapshot: dict[str, Any]) -> dict[str, int]:
    out: dict[str, int] = {}
    for item in snapshot["items"]:
        owner = _owner(item)
        if item["kind"] == "Pod" and owner and item["spec"].get("nodeName"):
            out[owner] = out.get(owner, 0) + 1
    return out


def _weighted_fragmentation(m: dict[str, Any]) -> float:
    free = sum(t["free_npus"] for t in m["types"])
    return sum(t["fragmentation"] * t["free_npus"] for t in m["types"]) / free if free else 0.0


def _time_weighted(series: Sequence[dict[str, Any]], key: str) -> float:
    if len(series) < 2:
        return float(series[0][key]) if series else 0.0
    total = sum(a[key] * (b["t"] - a["t"]) for a, b in zip(series, series[1:]))
    return total / (series[-1]["t"] - series[0]["t"])


def _report(policy: str, seed: int, jobs: dict[str, dict[str, Any]], series: list[dict[str, Any]],
            reschedules: int, repairs: list[int], decisions: list[float] | None) -> dict[str, Any]:
    end = series[-1]["t"] if series else 0
    waits: dict[str, list[int]] = {}
    for job in jobs.values():
        wait = (job["started"] if job["started"] is not None else end) - job["submitted"]
        waits.setdefault(_bucket(job["npus"]), []).append(wait)
    accepted = sum(1 for j in jobs.values() if j["started"] is not None)
    out: dict[str, Any] = {
        "policy": policy,
        "policy_seed": seed,
        "jobs": len(jobs),
        "accepted": accepted,
        "acceptance": round(accepted / len(jobs), 6) if jobs else 1.0,
        "wait_by_size": {label: {"jobs": len(waits[label]), "mean_s": round(sum(waits[label]) / len(waits[label]), 3),
                                 "p99_s": _percentile(waits[label], 0.99)}
                         for _, label in _BUCKETS if label in waits},
        "time_weighted": {key: round(_time_weighted(series, key), 6)
                          for key in ("stranded_npus", "stranded_nodes", "fragmentation", "free_npus", "pending_jobs")},
        "reschedules": reschedules,
        "repairs": len(repairs),
        "mean_time_to_repair_s": round(sum(repairs) / len(repairs), 3) if repairs else 0.0,
        "series": series,
    }
    if decisions is not None:
        out["decision_ms"] = {"mean": round(1e3 * sum(decisions) / len(decisions), 3) if decisions else 0.0,
                              "p99": round(1e3 * _percentile(decisions, 0.99), 3)}
    return out


def compare(trace: Sequence[dict[str, Any]], policies: Sequence[str] = POLICIES, *, policy_seed: int = 0,
            timing: bool = False, defrag: bool = False) -> list[dict[str, Any]]:
    """One report per policy, all on the same trace."""
    return [run(trace, policy=p, policy_seed=policy_seed, timing=timing, defrag=defrag) for p in policies]


def summary_table(reports: Sequence[dict[str, Any]]) -> str:
    """The reports as a Markdown table, one row per policy."""
    head = ("policy", "acceptance", "mean wait (s)", "worst p99 wait by size (s)", "stranded NPUs (tw)", "stranded nodes (tw)",
            "fragmentation (tw)", "reschedules", "time to repair (s)")
    rows = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in reports:
        waits = [w for w in r["wait_by_size"].values()]
        n = sum(w["jobs"] for w in waits)
        mean = sum(w["mean_s"] * w["jobs"] for w in waits) / n if n else 0.0
        p99 = max((w["p99_s"] for w in waits), default=0.0)
        tw = r["time_weighted"]
        rows.append(f"| {r['policy']} | {r['acceptance']:.3f} | {mean:.1f} | {p99:.0f} | {tw['stranded_npus']:.1f} | "
                    f"{tw['stranded_nodes']:.2f} | {tw['fragmentation']:.3f} | {r['reschedules']} | "
                    f"{r['mean_time_to_repair_s']:.0f} |")
    return "\n".join(rows)


_PANELS = (("acceptance", "acceptance (jobs started / submitted so far)"),
           ("fragmentation", "fragmentation index (free-NPU weighted)"),
           ("stranded_npus", "stranded NPUs"))
_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e")


def chart_svg(reports: Sequence[dict[str, Any]], title: str = "") -> str:
    """Acceptance, fragmentation and stranded NPUs over time, one line per
    policy, as an SVG document (text); the same reports give the same bytes."""
    width, panel, left, top = 720, 170, 60, 40
    height = top + len(_PANELS) * (panel + 40) + 30
    t_max = max((p["t"] for r in reports for p in r["series"]), default=1) or 1
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="{left}" y="20" font-size="14">{escape(title or "npusched simulate")}</text>']
    for i, r in enumerate(reports):
        out.append(f'<text x="{left + 140 * i}" y="{top - 8}" fill="{_COLOURS[i % len(_COLOURS)]}">'
                   f'{escape(r["policy"])}</text>')
    for n, (key, label) in enumerate(_PANELS):
        y0 = top + n * (panel + 40) + 10
        v_max = max((p[key] for r in reports for p in r["series"]), default=0) or 1
        if key in ("acceptance", "fragmentation"):
            v_max = max(v_max, 1.0)
        out.append(f'<text x="{left}" y="{y0 - 2}">{escape(label)}</text>')
        out.append(f'<rect x="{left}" y="{y0}" width="{width - left - 20}" height="{panel}" fill="none" stroke="#999"/>')
        out.append(f'<text x="{left - 6}" y="{y0 + 10}" text-anchor="end">{v_max:g}</text>')
        out.append(f'<text x="{left - 6}" y="{y0 + panel}" text-anchor="end">0</text>')
        for i, r in enumerate(reports):
            points = " ".join(
                f"{left + (width - left - 20) * p['t'] / t_max:.1f},{y0 + panel - panel * p[key] / v_max:.1f}"
                for p in r["series"])
            out.append(f'<polyline fill="none" stroke-width="1.5" stroke="{_COLOURS[i % len(_COLOURS)]}" '
                       f'points="{points}"/>')
    out.append(f'<text x="{width - 20}" y="{height - 8}" text-anchor="end">time (s), 0..{t_max}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"
