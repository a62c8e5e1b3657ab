"""Defragmentation advice from Python and the CLI: the advice, the live model
agreeing with the one-shot call, carrying it out (``simulate.move``), and the
simulator checking every advice it carries out on the three trace families."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any, Callable

import pytest

import npusched
from npusched import simulate, simulator

RunCli = Callable[..., "subprocess.CompletedProcess[bytes]"]
NOW = 1_700_000_000


def _pod(name: str, npus: int) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "ns", "uid": f"uid-{name}", "creationTimestamp": "2024-01-01T00:00:00Z"},
        "spec": {
            "schedulerName": "volcano",
            "containers": [{"name": "main", "resources": {"requests": {"huawei.com/Ascend910": str(npus)},
                                                          "limits": {"huawei.com/Ascend910": str(npus)}}}],
        },
        "status": {"phase": "Pending"},
    }


@pytest.fixture
def fragmented() -> dict[str, Any]:
    """Two idle A2 nodes; four 4-NPU pods planned and bound (two per node),
    then one pod leaves each node; an 8-NPU pod `ns/big` is pending."""
    snap = npusched.generate(2, mix="module-910b-8:1", occupancy=0.0, faults=0.0, node_faults=0.0, seed=3)
    snap["items"] += [_pod(f"p{i}", 4) for i in range(4)]
    snap = simulate.bind(snap, npusched.plan(snap, now=NOW))
    nodes = {item["metadata"]["name"]: item["spec"].get("nodeName") for item in snap["items"] if item["kind"] == "Pod"}
    assert nodes["p0"] == nodes["p1"] != nodes["p2"] == nodes["p3"]  # packed two per node
    snap["items"] = [i for i in snap["items"] if i["metadata"]["name"] not in ("p1", "p3")]
    snap["items"].append(_pod("big", 8))
    return snap


def test_advice_names_the_job_to_move_and_where_everything_goes(fragmented: dict[str, Any]) -> None:
    [advice] = npusched.defrag(fragmented, pod="ns/big", now=NOW)
    assert advice["status"] == "advised", advice
    assert advice["moved_jobs"] == ["ns/p0"]  # equal sizes: by name
    [move] = advice["moves"]
    assert move["pod"] == "ns/p0" and move["to"] != move["from"] and len(move["to_chips"]) == 4
    [placement] = advice["placements"]
    assert placement["pod"] == "ns/big" and placement["node"] == move["from"] and len(placement["chips"]) == 8
    assert advice == npusched.explain(fragmented, pod="ns/big", now=NOW)["defrag"][0]


def test_live_model_gives_the_same_advice(fragmented: dict[str, Any]) -> None:
    cluster = npusched.Cluster()
    cluster.load(fragmented)
    assert cluster.defrag(pod="ns/big", now=NOW) == npusched.defrag(fragmented, pod="ns/big", now=NOW)


def test_carried_out_the_gang_fits_where_the_advice_said(fragmented: dict[str, Any]) -> None:
    [advice] = npusched.defrag(fragmented, pod="ns/big", now=NOW)
    moved = simulate.move(fragmented, advice)
    plan = npusched.plan(moved, now=NOW)
    [binding] = plan["bindings"]
    assert (binding["pod"], binding["node"], binding["chips"]) == ("ns/big", advice["placements"][0]["node"],
                                                                   advice["placements"][0]["chips"])
    # Nothing left to advise once it is placed.
    assert npusched.defrag(simulate.bind(moved, plan), pod="ns/p0", now=NOW) == []


def test_move_refuses_advice_that_is_not_advised(fragmented: dict[str, Any]) -> None:
    [advice] = npusched.defrag(fragmented, pod="ns/big", now=NOW)
    with pytest.raises(ValueError, match="not 'advised'"):
        simulate.move(fragmented, {**advice, "status": "no_destination"})


def test_a_full_cluster_has_no_destination(fragmented: dict[str, Any]) -> None:
    # A third 4-NPU pod fills the half the moved pod would go to.
    fragmented["items"].append(_pod("p9", 4))
    snap = simulate.bind(fragmented, npusched.plan(fragmented, now=NOW))
    [advice] = npusched.defrag(snap, pod="ns/big", now=NOW)
    assert advice["status"] == "no_destination"
    assert any(m["to"] is None for m in advice["moves"])


def test_explain_table_prints_the_moves(run_cli: RunCli, tmp_path: Path, fragmented: dict[str, Any]) -> None:
    path = tmp_path / "snap.json"
    path.write_text(json.dumps(fragmented))
    out = run_cli("explain", str(path), "--pod", "ns/big", "--now", str(NOW), "--format", "table")
    assert out.returncode == 0, out.stderr
    text = out.stdout.decode()
    assert "Defragmentation for ns/big [advised]: moving 1 running job (1 pod, 4 NPUs)" in text
    assert "  move ns/p0: " in text and "  then ns/big -> " in text


def test_simulator_carries_out_the_advice_and_the_gang_fits() -> None:
    cluster = {"kind": "cluster", "nodes": 2, "mix": "module-910b-8:1", "super_pod_size": 8}

    def submit(t: int, job: str, npus: int, duration: int) -> dict[str, Any]:
        return {"t": t, "kind": "submit", "job": job, "type": "module-910b-8", "pods": 1, "npus": npus,
                "duration": duration}

    # a, b, c, d pack two per node; b and d leave at t=10; e (8 NPUs) arrives at 20
    # and, moved room aside, could not start before the horizon (f at 200).
    trace = [cluster, submit(0, "sim/a", 4, 1000), submit(0, "sim/b", 4, 10), submit(0, "sim/c", 4, 1000),
             submit(0, "sim/d", 4, 10), submit(20, "sim/e", 8, 100), submit(200, "sim/f", 1, 5)]
    without = simulator.run(trace)
    with_defrag = simulator.run(trace, defrag=True)
    assert "defrag" not in without
    assert with_defrag["defrag"] == {"asked": 1, "advised": 1, "fitted": 1, "missed": 0, "pods_moved": 1}
    assert (without["accepted"], with_defrag["accepted"]) == (5, 6)


@pytest.mark.parametrize("family", simulator.FAMILIES)
def test_every_advice_carried_out_on_the_families_fits(family: str) -> None:
    report = simulator.run(simulator.generate_trace(family, seed=1), defrag=True)
    d = report["defrag"]
    assert d["asked"] > 0 and d["missed"] == 0, d
    assert d["fitted"] == d["advised"]


def test_simulate_command_reports_defrag(run_cli: RunCli) -> None:
    out = run_cli("simulate", "--generate", "mixed", "--steps", "30", "--policy", "npusched", "--defrag")
    assert out.returncode == 0, out.stderr
    [report] = json.loads(out.stdout)
    assert set(report["defrag"]) == {"asked", "advised", "fitted", "missed", "pods_moved"}


def test_defrag_option_must_be_a_bool() -> None:
    with pytest.raises(npusched.InvalidInput, match="defrag"):
        simulator.run(simulator.generate_trace("mixed", steps=2), defrag="yes")  # type: ignore[arg-type]
