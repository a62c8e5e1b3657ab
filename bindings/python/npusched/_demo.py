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

__all__ = ["DOCUMENTS", "documents", "story"]

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


def story(now: int, svg_path: str) -> str:
    """Plays the story and returns what the demo prints; writes the picture to ``svg_path``."""
    cluster = json.loads(_core.serving_demo_snapshot_json())
    docs = documents()
    placed = plan(cluster, now=now, add=docs)
    with open(svg_path, "w", encoding="utf-8") as f:
        f.write(show(cluster, add=docs, title="npusched demo: what-if plan of two SGLang P/D services"))

    lines = [
        "npusched demo: SGLang prefill/decode through OME, planned before it exists",
        "",
        _format.summary_line(placed["summary"]),
        "Documents: " + ", ".join(DOCUMENTS),
        "",
        "1. What-if plan (npusched plan cluster.json --add DOCUMENT ...):",
    ]
    lines += ["  " + line for line in _format.services(placed)]
    lines += ["", f"2. Picture of the cluster with the planned services: {svg_path}", ""]

    # The services run: their pods exist, bound where the plan put them.
    expanded = expand(docs, context=cluster)
    running = simulate.bind({**cluster, "items": cluster["items"] + expanded["objects"]}, placed)
    node = next(b["node"] for b in placed["bindings"] if b["pod"] == _FAULT_POD)
    broken = simulate.inject_chip_fault(running, node, _FAULT_CHIP, now + 60)
    report = faults(broken, None, now + 60)
    lines.append(
        f"3. Ascend910-{_FAULT_CHIP} of {node} breaks under {_FAULT_POD} (decode instance 1 of serving/llama-pd-sp):"
    )
    lines += ["  " + line for line in _format.faults_lines(report)]

    after = simulate.apply_actions(broken, report)
    replan = plan(after, now=now + 61, state=report["state"])
    deleted = {a["pod"] for a in report["actions"] if a["action"] == "delete"}
    kept = sorted(b["pod"] for b in placed["bindings"] if b["pod"] not in deleted)
    lines += [
        "",
        f"4. The other {_format.plural(len(kept), 'pod')} keep running; the replacement "
        + ("plan:" if replan["bindings"] else "cannot be placed:"),
    ]
    lines += ["  " + line for line in _format.bindings_lines(replan)]
    for u in replan["unschedulable"]:
        lines.append(f"  {u['pod']} not placed: {u['reason']}: {u['message']}")
    return "\n".join(lines)
