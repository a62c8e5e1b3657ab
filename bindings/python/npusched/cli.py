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
import time
from collections.abc import Callable, Sequence
from typing import Any

from . import _demo, _format, scheduler
from ._api import MAX_NOW, __version__, faults_text, plan_text
from ._errors import InvalidInput, invalid
from ._files import read_path, read_stream
from ._show import show
from ._explain import explain_text
from ._generate import generate_text
from ._metrics import metrics_text
from . import simulator
from ._ome import expand, render

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
    _add_plan_inputs(p)
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
        "  npusched show snapshot.json --add runtime.yaml --add isvc.yaml -o cluster.svg\n\n"
        "Exit codes: 0 success, 2 bad input or usage (nothing is written).",
    )
    s.add_argument("snapshot", metavar="SNAPSHOT.json", help="the snapshot file; - reads standard input")
    s.add_argument("-o", "--output", required=True, metavar="FILE", help="the SVG file to write; - writes standard output")
    _add_plan_inputs(s)
    _add_now(s, "accepted so a `plan` command line works unchanged; the picture does not depend on it")
    s.add_argument("--title", default=None, help="the picture's heading (default: Cluster: <N> nodes, <C> chips)")
    s.set_defaults(run=_run_show)
    e = commands.add_parser(
        "explain",
        help="explain why a pending pod, gang or inference service does (not) fit",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Plan the snapshot as `plan` does and explain one target: per pod the nodes each "
        "filter rule excluded (adding up to the cluster's node count), the closest nodes and what they "
        "lack (or, when placed, the node and the runner-up), the gang and super-pod outcomes, the "
        "smallest change that would make it fit, and for a gang refused for room the running jobs whose "
        'move would make it fit (docs/defrag.md), as JSON: {"target":{...},"pods":[...],"gangs":[...],'
        '"super_pod_jobs":[...],"suggestions":[...],"defrag":[...]}. A target with nothing pending and '
        "nothing running "
        "is an error (exit 2).",
        epilog="Example:\n  npusched explain snapshot.json --group train/llama-pretrain --now 1700000000\n"
        "  npusched explain snapshot.json --service serving/llama-pd --add runtime.yaml --add isvc.yaml",
    )
    e.add_argument("snapshot", metavar="SNAPSHOT.json", help="the snapshot file; - reads standard input")
    which = e.add_mutually_exclusive_group(required=True)
    which.add_argument("--pod", metavar="NS/NAME", help="a pending pod")
    which.add_argument("--group", metavar="NS/NAME", help="a PodGroup (gang): its pending pods")
    which.add_argument("--service", metavar="NS/NAME", help="the pending pods labelled ome.io/inferenceservice=NAME")
    _add_plan_inputs(e)
    _add_now(e, "the current time, as for `plan` (default: now)")
    _add_format(e)
    e.set_defaults(run=_run_explain)

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
        epilog="Example:\n  npusched ome render runtime.yaml isvc.yaml\n"
        "  npusched ome render isvc-config.yaml --context snapshot.json --format json\n\n"
        "Exit codes: 0 success, 2 bad input or usage.",
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

    k = commands.add_parser(
        "scheduler",
        help="run as a Kubernetes secondary scheduler on the live model",
        description="Watch the cluster, and on the leader replica place the pending pods whose\n"
        "spec.schedulerName is --scheduler-name (annotations, then pods/binding, gangs all-or-nothing),\n"
        "carry out fault deletions, report unplaceable pods (Event, PodScheduled=False) and keep the\n"
        "fault state in a ConfigMap (docs/scheduler.md). Needs: pip install 'npusched[scheduler]'.",
        epilog="Example:\n  npusched scheduler --kubeconfig ~/.kube/config --dry-run --once\n"
        "  npusched scheduler --scheduler-name npusched --metrics-port 10259\n\n"
        "Exit codes: 0 stopped (SIGTERM) or --once done, 2 bad usage or no usable configuration.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    scheduler.add_arguments(k)
    k.set_defaults(run=scheduler.run)

    mt = commands.add_parser(
        "metrics",
        help="fragmentation metrics of a cluster snapshot",
        description="Print the fragmentation metrics of a Kubernetes List (docs/metrics.md): per accelerator\n"
        "type free NPUs, free whole nodes, stranded NPUs and nodes, the largest gang placeable now and\n"
        "the fragmentation index; per physical super-pod the block spectrum (logical super-nodes of\n"
        "each size that can be carved now), stranded nodes and repair headroom. Block and pod sizes\n"
        "default to those in use in the snapshot.",
        epilog="Example:\n  npusched generate --nodes 500 --seed 3 -o c.json && npusched metrics c.json --format table\n"
        "  npusched metrics c.json --block-nodes 2,4 --request-sizes 8,16\n\n"
        "Exit codes: 0 success, 2 bad input or usage.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    mt.add_argument("snapshot", metavar="SNAPSHOT.json", help="the Kubernetes List (- for standard input)")
    mt.add_argument("--block-nodes", type=_int_list, default=None, metavar="N,...",
                    help="logical super-node sizes in nodes (default: the sizes in use, else 1,2,4,8,16)")
    mt.add_argument("--request-sizes", type=_int_list, default=None, metavar="K,...",
                    help="pod sizes in NPUs every type is judged against where legal (default: the sizes in use)")
    mt.add_argument("--legal-sizes", action="store_true",
                    help="judge every type against all its legal power-of-two pod sizes")
    mt.add_argument("--scheduler-name", default="volcano", metavar="NAME",
                    help="pending pods are those with this spec.schedulerName (default: volcano)")
    _add_format(mt)
    mt.set_defaults(run=_run_metrics)

    sim = commands.add_parser(
        "simulate",
        help="replay a trace on a synthetic cluster and report placement quality per policy",
        description="Replay a JSON Lines trace (docs/simulate.md) -- or a generated one of a family -- on\n"
        "its synthetic cluster, with the live model deciding every step (faults, then plan), and\n"
        "report per policy: acceptance, waits by job size, time-weighted fragmentation and stranded\n"
        "capacity, reschedules and time to repair. npusched's policy and the baselines run on the\n"
        "same trace. The output is the same bytes for the same input unless --timing is given.",
        epilog="Example:\n  npusched simulate --generate fault-storm --seed 3 --format markdown\n"
        "  npusched simulate trace.jsonl --policy npusched --policy first-fit\n\n"
        "Exit codes: 0 success, 2 bad input or usage.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    source = sim.add_mutually_exclusive_group(required=True)
    source.add_argument("trace", nargs="?", metavar="TRACE.jsonl", help="the trace (- for standard input)")
    source.add_argument("--generate", choices=simulator.FAMILIES, metavar="FAMILY",
                        help=f"replay a generated trace of this family ({', '.join(simulator.FAMILIES)})")
    sim.add_argument("--seed", type=int, default=1, metavar="S", help="the generated trace's seed (default: 1)")
    sim.add_argument("--steps", type=int, default=120, metavar="N", help="arrival times of a generated trace (default: 120)")
    sim.add_argument("--policy", action="append", choices=simulator.POLICIES, default=None,
                     help="a policy to run (repeatable; default: all of them)")
    sim.add_argument("--policy-seed", type=int, default=0, metavar="S", help="the seed of random-ties (default: 0)")
    sim.add_argument("--write-trace", metavar="FILE", default=None, help="also write the trace replayed, as JSON Lines")
    sim.add_argument("--svg", metavar="FILE", default=None,
                     help="also draw acceptance, fragmentation and stranded NPUs over time per policy (SVG)")
    sim.add_argument("--timing", action="store_true", help="add the measured decision time per step (not deterministic)")
    sim.add_argument("--defrag", action="store_true",
                     help="each step, carry out the defragmentation advice for the first waiting job that gets one "
                     "and check that the gang then fits (report key defrag)")
    sim.add_argument("--format", choices=("json", "markdown"), default="json",
                     help="json (default): one report per policy; markdown: the summary table")
    sim.set_defaults(run=_run_simulate)

    g = commands.add_parser(
        "generate",
        help="write a seeded synthetic cluster as a Kubernetes List every command reads",
        description="Write a seeded synthetic Ascend cluster (nodes with their MindCluster device-info, running\n"
        "pods holding chips, optionally pending pods) as a Kubernetes List in JSON. The same options\n"
        "always give the same bytes (docs/generate.md).",
        epilog="Example:\n  npusched generate --nodes 1000 --mix module-910b-8:0.4,module-a3-16:0.3,"
        "module-a3-16-super-pod:0.3 \\\n      --super-pod-size 48 --occupancy 0.5 --faults 0.01 --seed 7 -o cluster.json\n"
        "  npusched plan cluster.json\n\nExit codes: 0 success, 2 an option out of range or the file cannot be written.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    for flag, kind, default, metavar, text in _GENERATE_OPTIONS:
        g.add_argument(flag, type=kind, default=default, required=flag == "--nodes", metavar=metavar, help=text)
    g.add_argument("-o", "--output", default="-", metavar="FILE", help="where to write the List (default: - for standard output)")
    g.set_defaults(run=_run_generate)

    d = commands.add_parser(
        "demo",
        help="the built-in story: SGLang P/D services through OME on A2 and an A3 SuperPoD",
        description="Build the built-in synthetic cluster (Atlas 800I A2 nodes, an Atlas 900 A3 SuperPoD of\n"
        "two physical super-pods, CPU-only nodes), plan two SGLang prefill/decode InferenceServices\n"
        "before they exist (one per OME runtime: Deployments on A2, a LeaderWorkerSet decode role in\n"
        "sp-block 32 on the SuperPoD) exactly as `plan --add` does, draw the picture (as `show`),\n"
        "then break a chip under one decode instance: `faults` decides what is deleted and why,\n"
        "and `plan` where the replacement goes. With --json, the what-if plan's JSON:\n"
        '  {"bindings":[...],"unschedulable":[...],"excluded_nodes":[...],"super_pod_jobs":[...],\n'
        '   "gangs":[...],"summary":{...},"warnings":[...],"inference_services":[...]}',
        epilog="Example:\n  npusched demo --svg /tmp/cluster.svg\n  npusched demo --json | jq .inference_services\n\n"
        "Exit codes: 0 success, 2 bad usage or the picture cannot be written.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_now(d, "the current time: predicate-time of the plan, fault times of the story (default: now)")
    d.add_argument("--json", action="store_true", help="print the what-if plan's JSON instead of the story")
    d.add_argument(
        "--svg",
        default="npusched-demo.svg",
        metavar="FILE",
        help="where to write the picture of the planned services (default: npusched-demo.svg)",
    )
    d.set_defaults(run=_run_demo)
    return parser


def _run_simulate(args: argparse.Namespace) -> int:
    try:
        if args.generate:
            trace = simulator.generate_trace(args.generate, seed=args.seed, steps=args.steps)
        else:
            data = _read(args.trace) or b""
            source = "standard input" if args.trace == "-" else args.trace
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as e:
                return _fail(f"{source}: not UTF-8 text (byte {e.start})", "malformed_document")
            try:
                trace = simulator.read_trace(text.splitlines())
            except InvalidInput as e:
                return _fail(f"{source}: {e}", e.code)
        reports = simulator.compare(trace, args.policy or simulator.POLICIES, policy_seed=args.policy_seed,
                                    timing=args.timing, defrag=args.defrag)
    except InvalidInput as e:
        return _fail(str(e), e.code)
    title = f"npusched simulate --generate {args.generate} --seed {args.seed}" if args.generate else args.trace
    for path, text in ((args.write_trace, lambda: "".join(json.dumps(e) + "\n" for e in trace)),
                       (args.svg, lambda: simulator.chart_svg(reports, title))):
        if not path:
            continue
        try:
            pathlib.Path(path).write_text(text(), encoding="utf-8")
        except OSError as e:
            return _fail(f"cannot write {path}: {e.strerror or e}")
    _emit(simulator.summary_table(reports) if args.format == "markdown" else json.dumps(reports, separators=(",", ":")))
    return EXIT_OK


def _int_list(text: str) -> list[int]:
    try:
        return [int(x, 10) for x in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a comma-separated list of integers: {text!r}") from None


_METRICS_FLAGS = {"block_nodes": "--block-nodes", "request_sizes": "--request-sizes", "legal_sizes": "--legal-sizes"}


def _run_metrics(args: argparse.Namespace) -> int:
    source = "standard input" if args.snapshot == "-" else args.snapshot
    try:
        data = _read(args.snapshot)
    except InvalidInput as e:
        return _fail(str(e), e.code)
    try:
        text = metrics_text(data, block_nodes=args.block_nodes, request_sizes=args.request_sizes,
                            legal_sizes=args.legal_sizes, scheduler_name=args.scheduler_name)
    except InvalidInput as e:
        option = (e.path or "").split("[")[0]
        if option in _METRICS_FLAGS:
            return _fail(f"{_METRICS_FLAGS[option]}: {e}", e.code)
        return _fail(f"{source}: {e}", e.code)
    _emit(_format.metrics_table(json.loads(text)) if args.format == "table" else text)
    return EXIT_OK


# `generate`'s options: flag, type, default, metavar, help.
_GENERATE_OPTIONS: list[tuple[str, Any, Any, str, str]] = [
    ("--nodes", int, None, "N", "how many nodes (0..300000)"),
    ("--mix", str, None, "TYPE:SHARE,...", "node types (accelerator-type label values) and their shares of the "
     "nodes, summing to 1 (default: module-910b-8:0.4,module-a3-16:0.3,module-a3-16-super-pod:0.3)"),
    ("--super-pod-size", int, 48, "NODES", "nodes per physical super-pod of the super-pod types (default: 48)"),
    ("--occupancy", float, 0.5, "FRACTION", "expected fraction of chips held by running pods, 0..1 (default: 0.5)"),
    ("--faults", float, 0.01, "RATE", "chance of each chip being unhealthy, 0..1 (default: 0.01)"),
    ("--node-faults", float, None, "RATE", "chance of each node being unhealthy, 0..1 (default: half of --faults)"),
    ("--pending", int, 0, "PODS", "pending pods to add, each its own job on a type of the mix (default: 0)"),
    ("--seed", int, 1, "S", "the seed (default: 1)"),
]

# `generate`'s options by the names its errors give them.
_GENERATE_FLAGS = {"nodes": "--nodes", "seed": "--seed", "super_pod_size": "--super-pod-size",
                   "occupancy": "--occupancy", "faults": "--faults", "node_faults": "--node-faults",
                   "pending": "--pending"}


def _run_generate(args: argparse.Namespace) -> int:
    try:
        text = generate_text(args.nodes, seed=args.seed, mix=args.mix, super_pod_size=args.super_pod_size,
                             occupancy=args.occupancy, faults=args.faults, node_faults=args.node_faults,
                             pending=args.pending)
    except InvalidInput as e:
        path = e.path or ""
        if path.startswith("mix"):
            return _fail(f"--mix: {e}", e.code)
        return _fail(f"{_GENERATE_FLAGS.get(path, path)}{str(e)[len(path):]}", e.code)
    if args.output == "-":
        _emit(text)
        return EXIT_OK
    try:
        pathlib.Path(args.output).write_text(text + "\n", encoding="utf-8")
    except OSError as e:
        return _fail(f"cannot write {args.output}: {e.strerror or e}")
    return EXIT_OK


def _add_plan_inputs(p: argparse.ArgumentParser) -> None:
    """The options of every command built on a plan (`plan`, `show`, `explain`)."""
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


def _add_now(p: argparse.ArgumentParser, help_text: str) -> None:
    p.add_argument("--now", type=_unix_seconds, default=None, metavar="UNIX_SECONDS", help=help_text)


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


def _fail(message: str, code: str | None = None) -> int:
    """Prints one line, ``npusched: error[CODE]: MESSAGE`` (``[CODE]`` when the core gave one)."""
    print(f"npusched: error{f'[{code}]' if code else ''}: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def _emit(text: str) -> None:
    """Writes ``text`` and a newline as UTF-8 bytes, whatever the locale."""
    sys.stdout.buffer.write(text.encode("utf-8") + b"\n")


def _read(path: str | None) -> bytes | None:
    """The file's bytes (``-`` is standard input), read up to the input
    limit (docs/limits.md); None for no path."""
    if path is None:
        return None
    if path == "-":
        try:
            return read_stream(sys.stdin.buffer, "standard input")
        except OSError as e:
            raise invalid("standard input", "unreadable", f"cannot read it: {e.strerror or e}") from None
    return read_path(path)


# The options whose range the core checks, by the name its errors give them.
_OPTION_NAMES = {"super_pod_size": "--super-pod-size", "reserve_nodes": "--reserve-nodes"}


def _input_error(source: str, e: InvalidInput) -> int:
    """Reports a bad-input error: an option by its flag, anything else under the file it came from."""
    if e.path in _OPTION_NAMES:
        return _fail(f"{_OPTION_NAMES[e.path]}{str(e)[len(e.path):]}", e.code)
    return _fail(f"{source}: {e}", e.code)


def _documents(paths: list[str]) -> list[Any]:
    """Files to add: paths as they are (their names appear in errors), standard input as its bytes."""
    return [_read(p) if p == "-" else pathlib.Path(p) for p in paths]


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
            "add": _documents(args.add) or None,
            "state": _read(args.state),
        }
    except InvalidInput as e:
        return _fail(str(e), e.code)
    try:
        return call(data, options)
    except InvalidInput as e:
        return _input_error(source, e)


def _run_plan(args: argparse.Namespace) -> int:
    text = _on_plan(args, lambda data, options: plan_text(data, now=args.now, **options))
    if isinstance(text, int):
        return text
    _emit(_format.plan_table(json.loads(text)) if args.format == "table" else text)
    return EXIT_OK


def _run_ome_render(args: argparse.Namespace) -> int:
    try:
        add = _documents(args.files)
        context = _read(args.context)
    except InvalidInput as e:
        return _fail(str(e), e.code)
    try:
        if args.format == "json":
            text = json.dumps(expand(add, context=context), ensure_ascii=False, separators=(",", ":"))
        else:
            text = render(add, context=context)
    except InvalidInput as e:
        return _fail(str(e), e.code)
    _emit(text)
    return EXIT_OK


def _run_faults(args: argparse.Namespace) -> int:
    source = "standard input" if args.snapshot == "-" else args.snapshot
    try:
        data = _read(args.snapshot)
        state = _read(args.state)
    except InvalidInput as e:
        return _fail(str(e), e.code)
    try:
        text = faults_text(data, state, args.now, scheduler_name=args.scheduler_name)
    except InvalidInput as e:
        return _fail(f"{source}: {e}", e.code)
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
    _emit(_format.explain_table(json.loads(text)) if args.format == "table" else text)
    return EXIT_OK


def _run_demo(args: argparse.Namespace) -> int:
    now = args.now if args.now is not None else int(time.time())
    if args.json:
        _emit(json.dumps(_demo.what_if_plan(now), ensure_ascii=False, separators=(",", ":")))
        return EXIT_OK
    try:
        _emit(_demo.story(now, args.svg))
    except OSError as e:
        return _fail(f"cannot write {args.svg}: {e.strerror or e}")
    return EXIT_OK
