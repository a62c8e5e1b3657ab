"""The demo's story (``npusched demo``): SGLang prefill/decode services
written as OME documents, planned on a synthetic Atlas 800I A2 + Atlas 900 A3
SuperPoD cluster before they exist, drawn, then a chip fault under one decode
instance and its replacement.

Every decision and every number printed comes from :func:`npusched.plan`,
:func:`npusched.faults`, :func:`npusched.expand` and :func:`npusched.show`;
:mod:`npusched.simulate` plays the cluster's side (binding, the device
plugin's report, the deletion). This module only chooses what to print.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from . import _core, _format, simulate
from ._api import faults, plan
from ._ome import expand
from ._show import show

__all__ = ["DOCUMENTS", "cluster", "documents", "story", "what_if_plan"]

# The model, the two OME runtimes (as shipped with OME's SGLang examples) and
# one InferenceService per runtime.
DOCUMENTS = (
    "clusterbasemodel-llama.yaml",
    "llama-3-2-1b-instruct-rt-pd-standalone.yaml",
    "llama-3-2-1b-instruct-rt-pd-distributed.yaml",
    "isvc-llama-pd-a2.yaml",
    "isvc-llama-pd-superpod.yaml",
)

# The fault: one die under the worker of decode instance 1 of the SuperPoD service.
_FAULT_POD = "serving/lws-llama-pd-sp-decoder-1-1"
_FAULT_CHIP = 5


def documents() -> list[str]:
    """The demo's OME documents, as text, in :data:`DOCUMENTS` order."""
    folder = resources.files("npusched") / "demo"
    return [(folder / name).read_text(encoding="utf-8") for name in DOCUMENTS]


def cluster() -> dict[str, Any]:
    """The demo's synthetic cluster (no pending pods) as a Kubernetes List dict."""
    result: dict[str, Any] = json.loads(_core.serving_demo_snapshot_json())
    return result


def what_if_plan(now: int) -> dict[str, Any]:
    """The plan of the demo's documents on the demo's cluster (``npusched demo --json``)."""
    return plan(cluster(), now=now, add=documents())


def story(now: int, svg_path: str) -> str:
    """Plays the story and returns what the demo prints; writes the picture to ``svg_path``."""
    snapshot, docs = cluster(), documents()
    placed = plan(snapshot, now=now, add=docs)
    picture = show(snapshot, add=docs, title="npusched demo: two SGLang P/D services planned before they exist")
    with open(svg_path, "w", encoding="utf-8") as f:
        f.write(picture)

    lines = [
        "npusched demo: SGLang prefill/decode through OME, planned before it exists",
        "",
        *_format.summary_lines(placed["summary"]),
        "",
        "Documents: " + ", ".join(DOCUMENTS),
        "",
        "1. What-if plan (npusched plan cluster.json --add DOCUMENT ...):",
    ]
    for service in placed["inference_services"]:
        lines += ["", *_format.service_lines(service)]
    lines += _format.warning_lines(placed["warnings"])
    lines += ["", f"2. The picture of the cluster with the planned services: {svg_path}", ""]

    # The services run: their objects exist and the pods are bound where the plan put them.
    expanded = expand(docs, context=snapshot)
    running = simulate.bind({**snapshot, "items": snapshot["items"] + expanded["objects"]}, placed)
    node = next(b["node"] for b in placed["bindings"] if b["pod"] == _FAULT_POD)
    broken = simulate.inject_chip_fault(running, node, _FAULT_CHIP, now + 60)
    report = faults(broken, None, now + 60)
    lines += [
        f"3. Ascend910-{_FAULT_CHIP} of {node} breaks under {_FAULT_POD}",
        "   (decode instance 1 of serving/llama-pd-sp); npusched faults decides:",
        "",
        _format.faults_table(report),
    ]

    after = simulate.apply_actions(broken, report)
    replan = plan(after, now=now + 61, state=report["state"])
    deleted = {a["pod"] for a in report["actions"] if a["action"] == "delete"}
    kept = [b["pod"] for b in placed["bindings"] if b["pod"] not in deleted]
    lines += [
        "",
        f"4. The other {_format.plural(len(kept), 'pod')} keep running. The replacement "
        + ("goes (npusched plan, with the fault state):" if replan["bindings"] else "cannot be placed:"),
    ]
    if replan["bindings"]:
        lines += ["  " + line for line in _format.table(_format.binding_rows(replan["bindings"]))]
    lines += [f"  {u['pod']} not placed: {u['reason']}: {u['message']}" for u in replan["unschedulable"]]
    return "\n".join(lines)
