"""npusched.show and `npusched show`: the SVG picture of a cluster and a plan."""

from __future__ import annotations

import json
import subprocess
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import Any, Callable

import npusched
import pytest
from npusched import _core

RunCli = Callable[..., "subprocess.CompletedProcess[bytes]"]  # the run_cli fixture

SVG = "{http://www.w3.org/2000/svg}"
NPU = "huawei.com/Ascend910"


def _chips_by_node(snapshot: dict[str, Any]) -> dict[str, int]:
    """Chips per node, as the snapshot's Nodes report them (capacity)."""
    return {
        i["metadata"]["name"]: int(i.get("status", {}).get("capacity", {}).get(NPU, 0))
        for i in snapshot["items"]
        if i["kind"] == "Node"
    }


def _check_one_element_per_node_and_chip(svg: str, snapshot: dict[str, Any]) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    nodes = [g.get("data-node") for g in root.iter(f"{SVG}g") if g.get("class") == "node"]
    chips = [r for r in root.iter(f"{SVG}rect") if r.get("class") == "chip"]
    want = _chips_by_node(snapshot)
    assert sorted(nodes) == sorted(want)
    assert Counter(r.get("data-node") for r in chips) == Counter({n: c for n, c in want.items() if c})
    states = {"free", "used", "planned", "unhealthy", "network-unhealthy", "recovering"}
    for r in chips:
        assert r.get("data-state") in states
        title = r.find(f"{SVG}title")
        assert title is not None and title.text and title.text.startswith(f"{r.get('data-node')} Ascend910-")
    return root


def test_demo_picture_has_one_element_per_node_and_chip(demo_text: str) -> None:
    root = _check_one_element_per_node_and_chip(npusched.show(demo_text), json.loads(demo_text))
    states = Counter(r.get("data-state") for r in root.iter(f"{SVG}rect") if r.get("class") == "chip")
    assert states["planned"] == sum(len(b["chips"]) for b in npusched.plan(demo_text, now=0)["bindings"])


def test_thousand_nodes() -> None:
    text = _core.synthetic_snapshot_json(1000, 3)
    svg = npusched.show(text)
    _check_one_element_per_node_and_chip(svg, json.loads(text))


def test_show_is_deterministic_and_takes_every_input_form(demo: dict[str, Any], demo_text: str) -> None:
    svg = npusched.show(demo_text)
    assert npusched.show(demo) == svg
    assert npusched.show(demo_text.encode()) == svg
    assert npusched.show(demo_text, title="What if") != svg
    assert "<title>What if</title>" in npusched.show(demo_text, title="What if")


def test_show_draws_the_what_if(demo_text: str) -> None:
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "extra-0", "namespace": "serving", "labels": {"ome.io/inferenceservice": "svc", "component": "engine"}},
        "spec": {
            "schedulerName": "volcano",
            "containers": [{"name": "c", "resources": {"requests": {NPU: "1"}, "limits": {NPU: "1"}}}],
        },
    }
    root = ET.fromstring(npusched.show(demo_text, extra_objects=[pod]))
    keys = [g.get("data-key") for g in root.iter(f"{SVG}g") if g.get("class") == "legend-entry"]
    assert "planned:svc:prefill" in keys
    titles = [t.text or "" for t in root.iter(f"{SVG}title")]
    assert any("planned for serving/extra-0 (service svc, prefill)" in t for t in titles)


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"scheduler_name": 3}, "scheduler_name"),
        ({"super_pod_size": "48"}, "super_pod_size"),
        ({"title": 5}, "title"),
        ({"state": 1.5}, "state"),
    ],
)
def test_bad_arguments_are_invalid_input(demo_text: str, kwargs: dict[str, Any], fragment: str) -> None:
    with pytest.raises(npusched.InvalidInput, match=fragment):
        npusched.show(demo_text, **kwargs)


def test_bad_snapshot_is_invalid_input() -> None:
    with pytest.raises(npusched.InvalidInput, match=r"items\[0\]"):
        npusched.show('{"kind":"List","items":[{"kind":"Node"}]}')


def test_cli_writes_the_file(run_cli: RunCli, tmp_path: Path, demo_text: str) -> None:
    snapshot = tmp_path / "snapshot.json"
    snapshot.write_text(demo_text, encoding="utf-8")
    out = tmp_path / "cluster.svg"
    proc = run_cli("show", str(snapshot), "-o", str(out), "--now", "1700000000")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == b"" and proc.stderr == b""
    assert out.read_text(encoding="utf-8") == npusched.show(demo_text)
    stdout = run_cli("show", str(snapshot), "-o", "-")
    assert stdout.returncode == 0 and stdout.stdout.decode() == npusched.show(demo_text)


def test_cli_bad_input_exits_2_and_writes_nothing(run_cli: RunCli, tmp_path: Path) -> None:
    snapshot = tmp_path / "snapshot.json"
    snapshot.write_text('{"kind":"List","items":[{"kind":"Node"}]}', encoding="utf-8")
    out = tmp_path / "cluster.svg"
    proc = run_cli("show", str(snapshot), "-o", str(out))
    assert proc.returncode == 2
    assert proc.stdout == b""
    message = proc.stderr.decode()
    assert message.startswith("npusched") and message.count("\n") == 1 and "items[0]" in message
    assert not out.exists()
    missing = run_cli("show", str(tmp_path / "missing.json"), "-o", str(out))
    assert missing.returncode == 2 and not out.exists()


def test_cli_output_is_required(run_cli: RunCli, tmp_path: Path) -> None:
    proc = run_cli("show", str(tmp_path / "snapshot.json"))
    assert proc.returncode == 2
    assert b"--output" in proc.stderr


def test_cli_help_has_an_example(run_cli: RunCli) -> None:
    proc = run_cli("show", "--help")
    assert proc.returncode == 0
    assert b"npusched show snapshot.json" in proc.stdout and b"-o cluster.svg" in proc.stdout
