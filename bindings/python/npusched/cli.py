"""The ``npusched`` command line (also ``python -m npusched``).

Exit codes: 0 success; 2 bad input (unreadable file, invalid JSON or
document) or bad usage. An unplaced pod is part of a successful plan.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import sys
from collections.abc import Sequence
from typing import Any

from . import _core, simulate
from ._api import MAX_NOW, __version__, faults_text, plan_text
from ._errors import InvalidInput
from ._ome import expand, render

__all__ = ["main"]

EXIT_OK = 0
EXIT_BAD_INPUT = 2

_NPU_RESOURCE = "huawei.com/Ascend910"


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the CLI and returns its exit code."""
    args = _parser().parse_args(argv)
    try:
        code: int = args.run(args)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (`npusched demo | head`): no traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return code


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="npusched",
        description="Deterministic placement decisions for Ascend NPU clusters.",
        epilog="Exit codes: 0 success, 2 bad input or usage.",
    )
    parser.add_argument("--version", action="version", version=f"npusched {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = commands.add_parser(
        "plan",
        help="plan the pending pods of a cluster snapshot",
        description="Plan the pending pods of a Kubernetes List (as `kubectl get nodes,pods,"
        "configmaps,podgroups.scheduling.volcano.sh -A -o json` prints it) and print the "
        'plan as JSON: {"bindings":[...],"unschedulable":[...],"excluded_nodes":[...]}.',
    )
    p.add_argument("snapshot", metavar="SNAPSHOT.json", help="the snapshot file; - reads standard input")
    _add_now(p)
    p.add_argument(
        "--scheduler-name",
        default="volcano",
        metavar="NAME",
        help="pending pods are those with this spec.schedulerName (default: volcano)",
    )
    p.add_argument(
        "--super-pod-size",
        type=int,
        default=None,
        metavar="NODES",
        help="nodes per physical super-pod (default: the snapshot's init-params, else 48)",
    )
    p.add_argument(
        "--reserve-nodes",
        type=int,
        default=None,
        metavar="NODES",
        help="nodes each super-pod keeps free if it can (default: the snapshot's init-params, else 2)",
    )
    p.add_argument(
        "--add",
        "--extra-objects",
        dest="add",
        action="append",
        default=[],
        metavar="FILE",
        help="what-if (repeatable): YAML or JSON documents added to the snapshot for this plan only — OME "
        "InferenceServices with their (Cluster)ServingRuntime and (Cluster)BaseModel, the MindCluster "
        "deployment tool's isvc-config.yaml, or plain pods, PodGroups, ...; OME documents are expanded into the "
        "pods and PodGroups their controllers would create, and the output gains `warnings` and "
        "`inference_services`; - reads standard input (--extra-objects is the old name)",
    )
    p.add_argument(
        "--state",
        metavar="STATE.json",
        default=None,
        help="fault state from `npusched faults`: fault jobs' previous fault nodes score lower",
    )
    p.set_defaults(run=_run_plan)

    f = commands.add_parser(
        "faults",
        help="decide fault isolation and rescheduling for a cluster snapshot",
        description="Read a snapshot and the previous fault state, and print the isolation report, "
        'the fault jobs, the actions and the next state as JSON: {"unusable_nodes":[...],'
        '"unusable_chips":[...],"fault_jobs":[...],"actions":[...],"state":{...},"untrusted_records":[...]}.',
    )
    f.add_argument("snapshot", metavar="SNAPSHOT.json", help="the snapshot file; - reads standard input")
    f.add_argument("--state", metavar="STATE.json", default=None, help="the previous state (the output's \"state\")")
    _add_now(f)
    f.add_argument("--scheduler-name", default="volcano", metavar="NAME", help="as for `plan`")
    f.set_defaults(run=_run_faults)

    o = commands.add_parser(
        "ome",
        help="OME documents: what an InferenceService expands to",
        description="Work with OME documents before they are applied.",
    )
    ome_commands = o.add_subparsers(dest="ome_command", metavar="SUBCOMMAND", required=True)
    r = ome_commands.add_parser(
        "render",
        help="print the objects OME documents expand to",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Expand OME documents — an InferenceService with its (Cluster)ServingRuntime and, when "
        "known, its (Cluster)BaseModel, or the MindCluster deployment tool's isvc-config.yaml — and print, as "
        "YAML documents, what `kubectl apply` would get, then what OME, the Deployment / LeaderWorkerSet "
        "controllers and Volcano would create (workloads, ReplicaSets / StatefulSets, PodGroups, pods). "
        "Warnings (what OME would refuse or probably not mean) head the output as comments.",
        epilog="example:\n  npusched ome render runtime.yaml isvc.yaml\n"
        "  npusched ome render isvc-config.yaml --context snapshot.json --format json",
    )
    r.add_argument("files", nargs="+", metavar="FILE", help="YAML or JSON files, one or many documents each; - reads standard input")
    r.add_argument(
        "--context",
        metavar="SNAPSHOT.json",
        default=None,
        help="a Kubernetes List in which runtimes and models not among FILE are looked up",
    )
    r.add_argument(
        "--format",
        choices=("yaml", "json"),
        default="yaml",
        help="yaml (default): the objects as YAML documents; json: {services, warnings, applied, objects}",
    )
    r.set_defaults(run=_run_ome_render)

    d = commands.add_parser(
        "demo",
        help="plan the built-in demo cluster and show the result",
        description="Run the built-in synthetic demo cluster (Atlas 800I A2 and A3 nodes, "
        "some chips in use, one unhealthy node) through the same plan path as `npusched plan`.",
    )
    _add_now(d)
    d.add_argument("--json", action="store_true", help="print the raw plan JSON instead of a table")
    d.set_defaults(run=_run_demo)
    return parser


def _add_now(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--now",
        type=_unix_seconds,
        default=None,
        metavar="UNIX_SECONDS",
        help="the current time, for the pods' predicate-time annotation (default: now)",
    )


def _unix_seconds(text: str) -> int:
    try:
        value = int(text, 10)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if not 0 <= value <= MAX_NOW:
        raise argparse.ArgumentTypeError(f"out of range (0..{MAX_NOW}): {text}")
    return value


def _fail(message: str) -> int:
    print(f"npusched: error: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def _emit(text: str) -> None:
    """Writes ``text`` and a newline as UTF-8 bytes, whatever the locale."""
    sys.stdout.buffer.write(text.encode("utf-8") + b"\n")


class _Unreadable(Exception):
    pass


def _read(path: str | None) -> bytes | None:
    """The file's bytes (``-`` is standard input); None for no path."""
    if path is None:
        return None
    try:
        if path == "-":
            return sys.stdin.buffer.read()
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        raise _Unreadable(f"cannot read {'standard input' if path == '-' else path}: {e.strerror or e}") from None


def _documents(paths: list[str]) -> list[Any]:
    """Files to add: paths as they are (their names appear in errors), standard input as its bytes."""
    return [_read(p) if p == "-" else pathlib.Path(p) for p in paths]


def _run_plan(args: argparse.Namespace) -> int:
    source = "standard input" if args.snapshot == "-" else args.snapshot
    try:
        data = _read(args.snapshot)
        add = _documents(args.add)
        state = _read(args.state)
    except _Unreadable as e:
        return _fail(str(e))
    try:
        text = plan_text(
            data,
            now=args.now,
            scheduler_name=args.scheduler_name,
            super_pod_size=args.super_pod_size,
            reserve_nodes=args.reserve_nodes,
            state=state,
            add=add or None,
        )
    except InvalidInput as e:
        return _fail(f"{source}: {e}")
    _emit(text)
    return EXIT_OK


def _run_ome_render(args: argparse.Namespace) -> int:
    try:
        add = _documents(args.files)
        context = _read(args.context)
    except _Unreadable as e:
        return _fail(str(e))
    try:
        if args.format == "json":
            text = json.dumps(expand(add, context=context), ensure_ascii=False, separators=(",", ":"))
        else:
            text = render(add, context=context)
    except InvalidInput as e:
        return _fail(str(e))
    _emit(text)
    return EXIT_OK


def _run_faults(args: argparse.Namespace) -> int:
    source = "standard input" if args.snapshot == "-" else args.snapshot
    try:
        data = _read(args.snapshot)
        state = _read(args.state)
    except _Unreadable as e:
        return _fail(str(e))
    try:
        text = faults_text(data, state, args.now, scheduler_name=args.scheduler_name)
    except InvalidInput as e:
        return _fail(f"{source}: {e}")
    _emit(text)
    return EXIT_OK


def _run_demo(args: argparse.Namespace) -> int:
    snapshot = _core.demo_snapshot_json()
    text = plan_text(snapshot, now=args.now)
    if args.json:
        _emit(text)
    else:
        _emit(_demo_report(json.loads(snapshot), json.loads(text)))
        _emit(_fault_story(json.loads(snapshot), json.loads(text), args.now))
    return EXIT_OK


# The fault story: decode instance b of the SGLang service is an OME instance
# (only the faulty pod is rescheduled); one die of the node running its rank 1
# breaks. Decisions come from npusched.plan / npusched.faults; `simulate` plays
# the cluster's side (binding, the device plugin's report, the deletion).
_STORY_GROUP = "serving/sglang-decode-b"
_STORY_POD = "serving/sglang-decode-b-1"
_STORY_CHIP = 5


def _fault_story(snapshot: dict[str, Any], placed: dict[str, Any], now: int | None) -> str:
    start = now if now is not None else 1700000000
    running = simulate.bind(snapshot, placed)
    running = simulate.label_group(
        running,
        _STORY_GROUP,
        {"fault-scheduling": "force", "pod-rescheduling": "on", "ome.io/inferenceservice": "sglang-pd"},
    )
    node = next(b["node"] for b in placed["bindings"] if b["pod"] == _STORY_POD)
    broken = simulate.inject_chip_fault(running, node, _STORY_CHIP, start + 60)
    report = json.loads(faults_text(broken, None, start + 60))
    after = simulate.apply_actions(broken, report)
    replan = json.loads(plan_text(after, now=start + 61, state=report["state"]))

    lines = [
        "",
        f"Fault story: Ascend910-{_STORY_CHIP} of {node} (running {_STORY_POD}) becomes unhealthy.",
        "Isolation report (what new pods may not use):",
    ]
    for n in report["unusable_nodes"]:
        lines.append(f"  node {n['node']}: {n['reason']}")
    for c in report["unusable_chips"]:
        lines.append(f"  {c['node']}: {', '.join(c['chips'])} {c['reason']}")
    for job in report["fault_jobs"]:
        lines.append(
            f"Fault job {job['group']}: {', '.join(job['fault_types'])} on {', '.join(job['pods'])}"
            + (f" ({job['note']})" if job.get("note") else "")
        )
    if report["actions"]:
        lines.append("Actions:")
        lines += ["  " + line for line in _table(
            [("POD", "ACTION", "MODE", "REASON")]
            + [(a["pod"], a["action"], a["mode"], a["reason"]) for a in report["actions"]]
        )]
    lines.append("Replacement plan (the other instances keep running):")
    for b in replan["bindings"]:
        ann = b["annotations"]
        lines.append(
            f"  {b['pod']} -> {b['node']} chips {_chip_ranges(b['chips'])}, super-pod {ann.get('super-pod-id', '-')}, "
            f"logical super-node {ann.get('super-pod-rank', '-')}"
        )
    for u in replan["unschedulable"]:
        if u["group"] == _STORY_GROUP:
            lines.append(f"  {u['pod']} not placed: {u['reason']}: {u['message']}")
    return "\n".join(lines)


# --- the demo table ----------------------------------------------------------
# Presentation only: the plan above came from the C++ adapter. These helpers
# read a few plain fields of the demo's own, well-formed snapshot to label it.


def _npus(resources: dict[str, Any]) -> int:
    value = (resources.get("requests") or {}).get(_NPU_RESOURCE) or (resources.get("limits") or {}).get(_NPU_RESOURCE)
    return int(value or 0)


def _pod_npus(pod: dict[str, Any]) -> int:
    return sum(_npus(c.get("resources") or {}) for c in pod.get("spec", {}).get("containers", []))


def _usable(node: dict[str, Any]) -> bool:
    """Ready, not cordoned, and NodeD says Healthy or SubHealthy."""
    status = node.get("metadata", {}).get("annotations", {}).get("NodeHealthyStatus", "Healthy")
    ready = any(
        c.get("type") == "Ready" and c.get("status") == "True" for c in node.get("status", {}).get("conditions", [])
    )
    return ready and status in ("Healthy", "SubHealthy") and not node.get("spec", {}).get("unschedulable", False)


def _full_name(item: dict[str, Any]) -> str:
    md = item.get("metadata", {})
    return f"{md.get('namespace', 'default')}/{md.get('name', '')}"


def _demo_report(snapshot: dict[str, Any], result: dict[str, Any]) -> str:
    items: list[dict[str, Any]] = snapshot.get("items", [])
    nodes = [i for i in items if i.get("kind") == "Node"]
    pods = [i for i in items if i.get("kind") == "Pod"]
    running = [p for p in pods if p.get("spec", {}).get("nodeName")]
    npus_of = {_full_name(p): _pod_npus(p) for p in pods}

    held: dict[str, int] = {}
    for p in running:
        node = p["spec"]["nodeName"]
        held[node] = held.get(node, 0) + _pod_npus(p)
    by_type: dict[str, int] = {}
    total = free = 0
    unusable: list[str] = []
    for n in nodes:
        md = n.get("metadata", {})
        kind = md.get("labels", {}).get("accelerator-type", "cpu-only")
        by_type[kind] = by_type.get(kind, 0) + 1
        npus = int(n.get("status", {}).get("allocatable", {}).get(_NPU_RESOURCE, 0))
        total += npus
        if _usable(n):
            free += max(0, npus - held.get(md.get("name", ""), 0))
        else:
            unusable.append(md.get("name", ""))
    types = ", ".join(f"{count} {kind}" for kind, count in sorted(by_type.items()))
    pending = len(result["bindings"]) + len(result["unschedulable"])
    lines = [
        f"Demo cluster: {len(nodes)} nodes ({types}), {pending} pending pods.",
        f"Free NPUs on usable nodes: {free} of {total}"
        + (f" (not usable: {', '.join(unusable)})." if unusable else "."),
        "",
        "Placed, in placement order:",
    ]
    rows: list[Sequence[str]] = [("POD", "NPUS", "NODE", "CHIPS", "SUPER-POD", "BLOCK")]
    for b in result["bindings"]:
        ann = b["annotations"]
        chips = _chip_ranges(b["chips"]) if b["chips"] else "-"
        rows.append(
            (b["pod"], str(npus_of.get(b["pod"], 0)), b["node"], chips,
             ann.get("super-pod-id", ""), ann.get("super-pod-rank", ""))
        )
    lines += _table(rows)

    if result["unschedulable"]:
        lines += ["", "Not placed, in the order they were considered:"]
        rows = [("POD", "NPUS", "REASON", "MESSAGE")]
        for u, count in _runs(result["unschedulable"]):
            pod = u["pod"] if count == 1 else f"{u['pod']} (+{count - 1} of {u['group']})"
            rows.append((pod, str(npus_of.get(u["pod"], 0)), u["reason"], u["message"]))
        lines += _table(rows)

    for job in result.get("super_pod_jobs", []):
        state = "placed" if job["placed"] else "not placed"
        phases = ", ".join(f"{k} {v}" for k, v in job["phases"].items() if v)
        lines += [
            "",
            f"Super-pod job {job['group']}: {state}; {job['blocks_needed']} logical super-node(s) of "
            f"{job['block_nodes']} node(s), {job['blocks_available']} whole block(s) free"
            + (f"; blocks by phase: {phases}." if phases else "."),
        ]
        for block in job["blocks"]:
            lines.append(
                f"  logical super-node {block['logical_id']} -> super-pod {block['super_pod_id']}: "
                + ", ".join(block["nodes"])
            )
        if not job["placed"]:
            lines.append(f"  {job['message']}")

    excluded = result["excluded_nodes"]
    if excluded:
        lines += ["", "Excluded nodes:"]
        lines += _table([("NODE", "REASON", "MESSAGE")] + [(e["node"], e["reason"], e["message"]) for e in excluded])
    return "\n".join(lines)


def _runs(entries: list[dict[str, Any]]) -> list[tuple[dict[str, Any], int]]:
    """Consecutive pods of one group refused for the same reason, as one row."""
    runs: list[tuple[dict[str, Any], int]] = []
    for e in entries:
        last = runs[-1][0] if runs else None
        same = last is not None and e["group"] and (last["group"], last["reason"], last["message"]) == (
            e["group"],
            e["reason"],
            e["message"],
        )
        if same:
            runs[-1] = (runs[-1][0], runs[-1][1] + 1)
        else:
            runs.append((e, 1))
    return runs


def _chip_ranges(chips: list[str]) -> str:
    """``["Ascend910-4", "Ascend910-5", "Ascend910-6", "Ascend910-9"]`` → ``4-6,9``."""
    ids = sorted(int(c.rsplit("-", 1)[-1]) for c in chips)
    runs: list[list[int]] = []
    for i in ids:
        if runs and i == runs[-1][1] + 1:
            runs[-1][1] = i
        else:
            runs.append([i, i])
    return ",".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)


def _table(rows: list[Sequence[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in rows]
