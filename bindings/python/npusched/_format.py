"""Text rendering of the ``plan`` and ``faults`` outputs (``--format table``).

Presentation only: every number printed here is a field of the output the
C++ adapter wrote (the plan's ``summary``, its bindings, ...). Nothing is
counted or judged a second time.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = [
    "binding_rows",
    "chip_ranges",
    "explain_table",
    "faults_table",
    "plan_table",
    "plural",
    "runs",
    "service_lines",
    "summary_lines",
    "table",
    "warning_lines",
]


def plural(count: int, word: str, words: str | None = None) -> str:
    """``plural(1, "node")`` → ``1 node``; ``plural(2, "node")`` → ``2 nodes``.

    ``words`` is the plural form when it is not ``word + "s"``.
    """
    return f"{count} {word if count == 1 else (words or word + 's')}"


def chip_ranges(chips: Sequence[str]) -> str:
    """``["Ascend910-4", "Ascend910-5", "Ascend910-6", "Ascend910-9"]`` → ``4-6,9``; ``-`` for none."""
    ids = sorted(int(c.rsplit("-", 1)[-1]) for c in chips)
    spans: list[list[int]] = []
    for i in ids:
        if spans and i == spans[-1][1] + 1:
            spans[-1][1] = i
        else:
            spans.append([i, i])
    return ",".join(str(a) if a == b else f"{a}-{b}" for a, b in spans) or "-"


def table(rows: Sequence[Sequence[str]]) -> list[str]:
    """Rows (the first is the header) as lines with left-aligned columns two spaces apart."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in rows]


def runs(entries: Sequence[dict[str, Any]]) -> list[tuple[dict[str, Any], int]]:
    """Consecutive unplaced pods of one group refused for the same reason, as (first entry, count)."""
    out: list[tuple[dict[str, Any], int]] = []
    for e in entries:
        last = out[-1][0] if out else None
        key = (e["group"], e["reason"], e["message"])
        if last is not None and e["group"] and (last["group"], last["reason"], last["message"]) == key:
            out[-1] = (last, out[-1][1] + 1)
        else:
            out.append((e, 1))
    return out


def _type_label(entry: dict[str, Any]) -> str:
    return str(entry["type"])


def summary_lines(summary: dict[str, Any]) -> list[str]:
    """The cluster summary: one row per accelerator type, then the plan's pod counts."""
    types, total = summary["types"], summary["total"]
    lines = [
        f"Cluster: {plural(total['nodes'], 'node')}"
        + (f" ({', '.join(plural(t['nodes'], _type_label(t), _type_label(t)) for t in types)})" if types else "")
        + f", {plural(summary['pending'], 'pending pod')}: {summary['placed']} placed, "
        f"{summary['unplaced']} not placed; {plural(summary['excluded_nodes'], 'node')} excluded.",
        f"Free NPUs on usable nodes: {total['free_npus_before']} of {total['npus']} before this plan, "
        f"{total['free_npus_after']} after"
        + (f" (not usable: {', '.join(total['unusable_nodes'])})." if total["unusable_nodes"] else "."),
    ]
    if types:
        rows: list[Sequence[str]] = [("TYPE", "NODES", "USABLE", "NPUS", "FREE-BEFORE", "FREE-AFTER", "NOT-USABLE")]
        for t in types:
            rows.append(
                (
                    _type_label(t),
                    str(t["nodes"]),
                    str(t["usable_nodes"]),
                    str(t["npus"]),
                    str(t["free_npus_before"]),
                    str(t["free_npus_after"]),
                    ", ".join(t["unusable_nodes"]) or "-",
                )
            )
        lines += [""] + table(rows)
    return lines


def _super_pod_job_lines(job: dict[str, Any]) -> list[str]:
    state = "placed" if job["placed"] else "not placed"
    phases = ", ".join(f"{k} {v}" for k, v in job["phases"].items() if v)
    lines = [
        f"Super-pod job {job['group']}: {state}; {plural(job['blocks_needed'], 'logical super-node')} of "
        f"{plural(job['block_nodes'], 'node')}, {plural(job['blocks_available'], 'whole block')} free"
        + (f"; blocks by phase: {phases}." if phases else "."),
    ]
    for block in job["blocks"]:
        lines.append(
            f"  logical super-node {block['logical_id']} -> super-pod {block['super_pod_id']}: "
            + ", ".join(block["nodes"])
        )
    if not job["placed"]:
        lines.append(f"  {job['message']}")
    return lines


def binding_rows(bindings: Sequence[dict[str, Any]]) -> list[Sequence[str]]:
    """The placed pods as table rows, with a header."""
    rows: list[Sequence[str]] = [("POD", "NPUS", "NODE", "CHIPS", "SUPER-POD", "BLOCK")]
    for b in bindings:
        ann = b["annotations"]
        rows.append(
            (
                b["pod"],
                str(len(b["chips"])),
                b["node"],
                chip_ranges(b["chips"]),
                ann.get("super-pod-id", "-"),
                ann.get("super-pod-rank", "-"),
            )
        )
    return rows


def plan_table(plan: dict[str, Any], title: str = "") -> str:
    """The ``npusched plan`` output as text: summary, placed pods, pods not placed, super-pod jobs, gangs
    and excluded nodes. ``title`` replaces the word ``Cluster`` of the first line."""
    lines = summary_lines(plan["summary"])
    if title:
        lines[0] = title + lines[0][len("Cluster") :]
    if plan["bindings"]:
        lines += ["", f"Placed, in placement order ({plural(plan['summary']['placed'], 'pod')}):"]
        lines += table(binding_rows(plan["bindings"]))
    if plan["unschedulable"]:
        lines += ["", f"Not placed, in the order they were considered ({plural(plan['summary']['unplaced'], 'pod')}):"]
        rows: list[Sequence[str]] = [("POD", "REASON", "MESSAGE")]
        for u, count in runs(plan["unschedulable"]):
            pod = u["pod"] if count == 1 else f"{u['pod']} (+{count - 1} of {u['group']})"
            rows.append((pod, u["reason"], u["message"]))
        lines += table(rows)
    for job in plan["super_pod_jobs"]:
        lines += [""] + _super_pod_job_lines(job)
    if plan["gangs"]:
        lines += ["", f"Gangs ({plural(len(plan['gangs']), 'group')}):"]
        rows = [("GROUP", "MIN", "RUNNING", "PENDING", "PLACED", "ADMITTED", "REASON")]
        for g in plan["gangs"]:
            rows.append(
                (
                    g["group"],
                    str(g["min_available"]),
                    str(g["running"]),
                    str(g["pending"]),
                    str(g["placed"]),
                    "yes" if g["admitted"] else "no",
                    "-" if g["admitted"] else g["reason"],
                )
            )
        lines += table(rows)
    lines += warning_lines(plan.get("warnings", []))
    for service in plan.get("inference_services", []):
        lines += [""] + service_lines(service)
    excluded = plan["excluded_nodes"]
    lines += _section(
        f"Excluded nodes ({plural(plan['summary']['excluded_nodes'], 'node')}):",
        ("NODE", "REASON", "MESSAGE"),
        [(e["node"], e["reason"], e["message"]) for e in excluded],
    )
    return "\n".join(lines)


def _dash(value: Any) -> str:
    return "-" if value is None or value == "" else str(value)


def warning_lines(warnings: Sequence[dict[str, Any]]) -> list[str]:
    """The what-if expansion's warnings, one line each (nothing when there are none)."""
    if not warnings:
        return []
    lines = ["", f"Warnings ({plural(len(warnings), 'warning')}):"]
    for w in warnings:
        where = " ".join(x for x in (w["source"], w["object"]) if x)
        field = f": {w['path']}" if w["path"] else ""
        lines.append(f"  [{w['code']}] {where}{field}: {w['message']}")
    return lines


def service_lines(service: dict[str, Any]) -> list[str]:
    """One ``inference_services`` entry of a plan: per role and instance, where each pod goes or why not."""
    roles = ", ".join(
        f"{r['role']} {r['admitted_instances']}/{plural(r['replicas'], 'instance')} ({r['workload_kind']})"
        for r in service["roles"]
    )
    lines = [
        f"Service {service['service']} ({service['runtime']}): "
        + ("admitted" if service["admitted"] else "not admitted")
        + (f"; {roles}" if roles else "")
    ]
    rows: list[Sequence[str]] = [("ROLE", "INSTANCE", "POD", "NODE", "CHIPS", "SUPER-POD", "LOGICAL", "RANK")]
    refused: list[str] = []
    for r in service["roles"]:
        for inst in r["instances"]:
            for p in inst["pods"]:
                if p["placed"]:
                    rows.append(
                        (
                            r["role"],
                            str(inst["index"]),
                            p["pod"],
                            p["node"],
                            chip_ranges(p["chips"]),
                            _dash(p["super_pod_id"]),
                            _dash(p["logical_super_node"]),
                            _dash(p["rank"]),
                        )
                    )
                else:
                    rows.append((r["role"], str(inst["index"]), p["pod"], "not placed", "-", "-", "-", "-"))
            if not inst["admitted"]:
                refused.append(f"  {r['role']} instance {inst['index']}: {inst['reason']}: {inst['message']}")
    if len(rows) > 1:
        lines += ["  " + line for line in table(rows)]
    return lines + refused


def _section(title: str, header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """A blank line, ``title`` and the table; nothing when there are no rows."""
    return ["", title, *table([header, *rows])] if rows else []


def faults_table(report: dict[str, Any]) -> str:
    """The ``npusched faults`` output as text: what new pods may not use, the fault jobs, the actions and
    the records not trusted. The next state is JSON only (``--format json``)."""
    nodes, chips = report["unusable_nodes"], report["unusable_chips"]
    jobs, actions = report["fault_jobs"], report["actions"]
    untrusted = report["untrusted_records"]
    lines = [
        f"Faults: {plural(len(nodes), 'unusable node')}, {plural(len(chips), 'unusable chip set')}, "
        f"{plural(len(jobs), 'fault job')}, {plural(len(actions), 'action')}, "
        f"{plural(len(untrusted), 'untrusted record')}."
    ]
    lines += _section("Unusable nodes:", ("NODE", "REASON"), [(n["node"], n["reason"]) for n in nodes])
    lines += _section(
        "Unusable chips:",
        ("NODE", "CHIPS", "REASON"),
        [(c["node"], chip_ranges(c["chips"]), c["reason"]) for c in chips],
    )
    lines += _section(
        "Fault jobs:",
        ("GROUP", "FAULTS", "PODS", "NOTE"),
        [(j["group"], ",".join(j["fault_types"]), ",".join(j["pods"]), j.get("note") or "-") for j in jobs],
    )
    policies = [f"  {j['group']}: {j['policy']}" for j in jobs if j.get("policy")]
    if policies:
        lines += ["", "Why these actions:", *policies]
    lines += _section(
        "Actions:",
        ("POD", "ACTION", "MODE", "REASON"),
        [(a["pod"], a["action"], a["mode"], a["reason"]) for a in actions],
    )
    lines += _section(
        "Untrusted records:",
        ("NODE", "RECORD", "SOURCE", "MESSAGE"),
        [(u["node"], u["record"], u["source"], u["message"]) for u in untrusted],
    )
    return "\n".join(lines)


_EXCLUSION_RULES = (
    ("selector", "selector, accelerator type or taints"),
    ("illegal", "request not legal on the node's topology"),
    ("cordoned", "cordoned"),
    ("unhealthy", "unhealthy"),
    ("network_unknown", "network health unknown"),
    ("resources", "CPU or memory short"),
    ("npu_short", "too few free NPUs"),
    ("topology", "wrong HCCS shape"),
    ("broken_data", "broken or missing device data"),
    ("feasible", "would fit"),
)


def explain_table(explanation: dict[str, Any]) -> str:
    """The ``npusched explain`` output as text: per pod where it goes or the nodes each rule excluded and the
    closest nodes, then the suggestions."""
    target = explanation["target"]
    lines = [f"Explain {target['kind']} {target['namespace']}/{target['name']}: {target['status']}."]
    for r in target["running"]:
        lines.append(f"  running: {r['pod']} on {r['node']}")
    for p in explanation["pods"]:
        lines.append("")
        if p["placed"]:
            lines.append(f"{p['pod']}: placed on {p['node']}. {p['message']}")
            continue
        lines.append(f"{p['pod']}: not placed ({p['reason']}). {p['message']}")
        counts = p["excluded"]
        rows: list[Sequence[str]] = [("RULE", "NODES")]
        rows += [(label, str(counts[key])) for key, label in _EXCLUSION_RULES if counts[key]]
        rows.append(("total", str(counts["total"])))
        lines += ["  " + line for line in table(rows)]
        if p["closest"]:
            rows = [("CLOSEST NODE", "USABLE", "SHORT BY", "WRONG SHAPE", "UNHEALTHY", "RECOVERING")]
            for c in p["closest"]:
                rows.append(
                    (
                        c["node"],
                        str(c["usable"]),
                        str(c["short_by"]),
                        "yes" if c["wrong_shape"] else "no",
                        chip_ranges(c["unhealthy_chips"]),
                        chip_ranges(c["recovering_chips"]),
                    )
                )
            lines += ["  " + line for line in table(rows)]
    if explanation["suggestions"]:
        lines += ["", f"What would make it fit ({plural(len(explanation['suggestions']), 'suggestion')}):"]
        lines += [f"  [{s['code']}] {s['message']}" for s in explanation["suggestions"]]
    for advice in explanation["defrag"]:
        lines += ["", f"Defragmentation for {advice['group']} [{advice['status']}]: {advice['message']}"]
        for m in advice["moves"]:
            to = f"{m['to']} ({chip_ranges(m['to_chips'])})" if m["to"] else "nowhere"
            lines.append(f"  move {m['pod']}: {m['from']} ({chip_ranges(m['from_chips'])}) -> {to}")
        for b in advice["placements"]:
            lines.append(f"  then {b['pod']} -> {b['node']} ({chip_ranges(b['chips'])})")
    return "\n".join(lines)


def metrics_table(metrics: dict[str, Any]) -> str:
    """The ``npusched metrics`` output as text: per type, then per super-pod; every number from the JSON."""
    sizes = ", ".join(f"{t} {','.join(map(str, v))}" for t, v in metrics["request_sizes"].items())
    lines = [f"Pod sizes judged: {sizes or '-'}; block sizes: {','.join(map(str, metrics['block_nodes'])) or '-'} nodes."]
    rows: list[Sequence[str]] = [("TYPE", "NODES", "USABLE", "FREE-NPUS", "WHOLE-NODES", "STRANDED-NPUS",
                                  "STRANDED-NODES", "LARGEST-GANG", "FRAGMENTATION")]
    for t in metrics["types"]:
        rows.append((t["type"], str(t["nodes"]), str(t["usable_nodes"]), str(t["free_npus"]),
                     str(t["free_whole_nodes"]), str(t["stranded_npus"]), str(t["stranded_nodes"]),
                     str(t["largest_gang_npus"]), f"{t['fragmentation']:.3f}"))
    lines += [""] + table(rows)
    if metrics["super_pods"]:
        head = ["SUPER-POD", "TYPE", "NODES", "FREE", *(f"BLOCKS-OF-{b}" for b in metrics["block_nodes"]),
                "STRANDED", "HEADROOM"]
        rows = [head]
        for p in metrics["super_pods"]:
            rows.append((str(p["super_pod_id"]), p["type"], str(p["nodes"]), str(p["free_whole_nodes"]),
                         *(str(s["blocks"]) for s in p["spectrum"]), str(p["stranded_nodes"]),
                         str(p["repair_headroom"])))
        rows.append(("total", "", "", "", *(str(s["blocks"]) for s in metrics["spectrum"]), "", ""))
        lines += [""] + table(rows)
    return "\n".join(lines)
