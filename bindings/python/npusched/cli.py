"""The ``npusched`` command line (also ``python -m npusched``).

Exit codes: 0 success; 2 bad input (unreadable file, invalid JSON or
document) or bad usage. An unplaced pod is part of a successful plan.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from . import _core, _format, simulate
from ._api import MAX_NOW, __version__, faults_text, plan_text
from ._errors import InvalidInput
from ._show import show
from ._explain import explain_text

__all__ = ["main"]

EXIT_OK = 0
EXIT_BAD_INPUT = 2


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
        description="Plan the pending pods of a Kubernetes List, as\n"
        "  kubectl get nodes,pods,configmaps,replicasets,podgroups.scheduling.volcano.sh -A -o json\n"
        "prints it, and print the plan as JSON:\n"
        '  {"bindings":[...],"unschedulable":[...],"excluded_nodes":[...],\n'
        '   "super_pod_jobs":[...],"gangs":[...],"summary":{...}}\n'
        "or, with --format table, as aligned text (docs/kubernetes.md describes every key).",
        epilog="Example:\n"
        "  kubectl get nodes,pods,configmaps,replicasets,podgroups.scheduling.volcano.sh -A -o json > snapshot.json\n"
        "  npusched plan snapshot.json --format table\n\n"
        "Exit codes: 0 success (unplaced pods included), 2 bad input or usage.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("snapshot", metavar="SNAPSHOT.json", help="the snapshot file; - reads standard input")
    _add_now(p, "the current time, written into each binding's predicate-time annotation (default: now)")
    _add_format(p)
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
        "--extra-objects",
        metavar="OBJECTS.json",
        default=None,
        help="what-if: pods, PodGroups, ... (a JSON array or List) added to the snapshot for this plan only",
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
        description="Read a snapshot and the previous fault state, and print the isolation report,\n"
        "the fault jobs, the actions and the next state as JSON:\n"
        '  {"unusable_nodes":[...],"unusable_chips":[...],"fault_jobs":[...],"actions":[...],\n'
        '   "state":{...},"untrusted_records":[...]}\n'
        "or, with --format table, as aligned text without the state\n(docs/faults.md describes every key).",
        epilog="Example:\n"
        "  npusched faults snapshot.json --state state.json --now 1700000060 > report.json\n"
        "  npusched faults snapshot.json --format table\n\n"
        "Exit codes: 0 success, 2 bad input or usage.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    f.add_argument("snapshot", metavar="SNAPSHOT.json", help="the snapshot file; - reads standard input")
    f.add_argument("--state", metavar="STATE.json", default=None, help="the previous state (the output's \"state\")")
    _add_now(
        f,
        "the current time: the fault time of new fault jobs and the clock of grace periods, "
        "the grace-to-force escalation and link-down windows (default: now)",
    )
    _add_format(f)
    f.add_argument("--scheduler-name", default="volcano", metavar="NAME", help="as for `plan`")
    f.set_defaults(run=_run_faults)

    s = commands.add_parser(
        "show",
        help="draw the cluster and the plan of its pending pods as an SVG picture",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Plan the pending pods of a snapshot as `plan` does and draw the cluster as an SVG "
        "picture:\nphysical super-pods as groups of nodes (other nodes grouped by accelerator type), each node "
        "as its\nchips coloured by state: free, used (by service and role), planned by this plan (hatched),\n"
        "unhealthy, network-unhealthy, recovering. Excluded, not-ready and cordoned nodes are marked;\n"
        "the logical super-nodes of planned sp-block jobs are outlined. Hover a chip for its holder.",
        epilog="Example:\n"
        "  kubectl get nodes,pods,configmaps,replicasets,podgroups.scheduling.volcano.sh -A -o json > snapshot.json\n"
        "  npusched show snapshot.json --extra-objects new-service.json -o cluster.svg\n\n"
        "Exit codes: 0 success, 2 bad input or usage (nothing is written).",
    )
    s.add_argument("snapshot", metavar="SNAPSHOT.json", help="the snapshot file; - reads standard input")
    s.add_argument("-o", "--output", required=True, metavar="FILE", help="the SVG file to write; - writes standard output")
    s.add_argument("--extra-objects", metavar="OBJECTS.json", default=None, help="what-if objects, as for `plan`")
    s.add_argument("--state", metavar="STATE.json", default=None, help="fault state, as for `plan`")
    s.add_argument("--scheduler-name", default="volcano", metavar="NAME", help="as for `plan` (default: volcano)")
    s.add_argument("--super-pod-size", type=int, default=None, metavar="NODES", help="as for `plan`")
    s.add_argument("--reserve-nodes", type=int, default=None, metavar="NODES", help="as for `plan`")
    _add_now(s, "accepted so a `plan` command line works unchanged; the picture does not depend on it")
    s.add_argument("--title", default=None, help="the picture's heading (default: Cluster: <N> nodes, <C> chips)")
    s.set_defaults(run=_run_show)
    e = commands.add_parser(
        "explain",
        help="explain why a pending pod, gang or inference service does (not) fit",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Plan the snapshot as `plan` does and explain one target: per pod the nodes each "
        "filter rule excluded (adding up to the cluster's node count), the closest nodes and what they "
        "lack (or, when placed, the node and the runner-up), the gang and super-pod outcomes, and the "
        'smallest change that would make it fit, as JSON: {"target":{...},"pods":[...],"gangs":[...],'
        '"super_pod_jobs":[...],"suggestions":[...]}. A target with nothing pending and nothing running '
        "is an error (exit 2).",
        epilog="Example:\n  npusched explain snapshot.json --group train/llama-pretrain --now 1700000000\n"
        "  npusched explain snapshot.json --service serving/llama --extra-objects new-pods.json",
    )
    e.add_argument("snapshot", metavar="SNAPSHOT.json", help="the snapshot file; - reads standard input")
    which = e.add_mutually_exclusive_group(required=True)
    which.add_argument("--pod", metavar="NS/NAME", help="a pending pod")
    which.add_argument("--group", metavar="NS/NAME", help="a PodGroup (gang): its pending pods")
    which.add_argument("--service", metavar="NS/NAME", help="the pending pods labelled ome.io/inferenceservice=NAME")
    for option in ("--extra-objects", "--state", "--scheduler-name", "--super-pod-size", "--reserve-nodes"):
        e.add_argument(option, **_plan_option(p, option))
    _add_now(e, "the current time, as for `plan` (default: now)")
    e.set_defaults(run=_run_explain)

    d = commands.add_parser(
        "demo",
        help="plan the built-in demo cluster and show the result",
        description="Run the built-in synthetic demo cluster (Atlas 800I A2 and A3 nodes, some chips\n"
        "in use, one unhealthy node) through the same plan path as `npusched plan`, print the\n"
        "plan as a table (as `plan --format table`), then a fault story: a chip of a running\n"
        "pod breaks and `faults` and `plan` decide what happens. With --json, the raw plan JSON:\n"
        '  {"bindings":[...],"unschedulable":[...],"excluded_nodes":[...],\n'
        '   "super_pod_jobs":[...],"gangs":[...],"summary":{...}}',
        epilog="Example:\n  npusched demo --now 1700000000\n  npusched demo --json | jq .summary\n\n"
        "Exit codes: 0 success, 2 bad usage.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_now(d, "the current time, written into each binding's predicate-time annotation (default: now)")
    d.add_argument("--json", action="store_true", help="print the raw plan JSON instead of a table")
    d.set_defaults(run=_run_demo)
    return parser


def _add_now(p: argparse.ArgumentParser, help_text: str) -> None:
    p.add_argument("--now", type=_unix_seconds, default=None, metavar="UNIX_SECONDS", help=help_text)


def _plan_option(plan: argparse.ArgumentParser, option: str) -> dict[str, Any]:
    """The settings of one of `plan`'s options, for a command that takes it the same way."""
    action = next(a for a in plan._actions if option in a.option_strings)
    return {"dest": action.dest, "type": action.type, "default": action.default, "metavar": action.metavar,
            "help": action.help}


def _add_format(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--format",
        choices=("json", "table"),
        default="json",
        help="json (default): the compact JSON document; table: aligned text for people",
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


def _on_plan(args: argparse.Namespace, call: Callable[[bytes | None, dict[str, Any]], str]) -> str | int:
    """Reads the files of a command built on a plan and runs ``call(snapshot, plan
    keyword arguments)``: its text, or the exit code of a failure (reported)."""
    source = "standard input" if args.snapshot == "-" else args.snapshot
    try:
        data = _read(args.snapshot)
        options = {
            "scheduler_name": args.scheduler_name,
            "super_pod_size": args.super_pod_size,
            "reserve_nodes": args.reserve_nodes,
            "extra_objects": _read(args.extra_objects),
            "state": _read(args.state),
        }
    except _Unreadable as e:
        return _fail(str(e))
    try:
        return call(data, options)
    except InvalidInput as e:
        return _fail(f"{source}: {e}")


def _run_plan(args: argparse.Namespace) -> int:
    text = _on_plan(args, lambda data, options: plan_text(data, now=args.now, **options))
    if isinstance(text, int):
        return text
    _emit(_format.plan_table(json.loads(text)) if args.format == "table" else text)
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
    _emit(_format.faults_table(json.loads(text)) if args.format == "table" else text)
    return EXIT_OK


def _run_show(args: argparse.Namespace) -> int:
    svg = _on_plan(args, lambda data, options: show(data, title=args.title, **options))
    if isinstance(svg, int):
        return svg
    if args.output == "-":
        sys.stdout.buffer.write(svg.encode("utf-8"))
        return EXIT_OK
    try:
        with open(args.output, "wb") as f:
            f.write(svg.encode("utf-8"))
    except OSError as e:
        return _fail(f"cannot write {args.output}: {e.strerror or e}")
    return EXIT_OK


def _run_explain(args: argparse.Namespace) -> int:
    targets = (("pod", args.pod), ("group", args.group), ("service", args.service))
    kind, target = next((k, v) for k, v in targets if v is not None)  # argparse requires exactly one
    text = _on_plan(args, lambda data, options: explain_text(data, kind, target, now=args.now, **options))
    if isinstance(text, int):
        return text
    _emit(text)
    return EXIT_OK


def _run_demo(args: argparse.Namespace) -> int:
    snapshot = _core.demo_snapshot_json()
    text = plan_text(snapshot, now=args.now)
    if args.json:
        _emit(text)
    else:
        _emit(_format.plan_table(json.loads(text), title="Demo cluster"))
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
        "",
        _format.faults_table(report),
        "",
        "Replacement plan (the other instances keep running):",
    ]
    lines += ["  " + line for line in _format.table(_format.binding_rows(replan["bindings"]))]
    for u in replan["unschedulable"]:
        if u["group"] == _STORY_GROUP:
            lines.append(f"  {u['pod']} not placed: {u['reason']}: {u['message']}")
    return "\n".join(lines)
