"""npusched.faults, `npusched faults`, and the fault story played with npusched.simulate."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import npusched
import pytest
from npusched import simulate

from conftest import RunCli

DECODE = "serving/sglang-decode-b"


def _story(demo: dict[str, Any], now: int) -> tuple[dict[str, Any], dict[str, Any], str]:
    """The demo placed and running, decode instance b an OME instance, and one
    die of the node running its rank 1 broken."""
    placed = npusched.plan(demo, now=now)
    running = simulate.bind(demo, placed)
    running = simulate.label_group(
        running, DECODE, {"fault-scheduling": "force", "pod-rescheduling": "on", "ome.io/inferenceservice": "p"}
    )
    node = next(b["node"] for b in placed["bindings"] if b["pod"] == f"{DECODE}-1")
    return running, simulate.inject_chip_fault(running, node, 5, now + 60), node


def test_healthy_cluster_has_no_actions(demo: dict[str, Any], now: int) -> None:
    placed = npusched.plan(demo, now=now)
    report = npusched.faults(simulate.bind(demo, placed), None, now)
    assert list(report) == ["unusable_nodes", "unusable_chips", "fault_jobs", "actions", "state", "untrusted_records"]
    assert report["actions"] == [] and report["fault_jobs"] == []
    assert report["unusable_nodes"] == [{"node": "a2-node-3", "reason": "NodeUnhealthy"}]


def test_chip_fault_deletes_only_the_faulty_instance_pod(demo: dict[str, Any], now: int) -> None:
    _, broken, node = _story(demo, now)
    report = npusched.faults(broken, None, now + 60)
    assert {"node": node, "chips": ["Ascend910-5"], "reason": "Unhealthy"} in report["unusable_chips"]
    (job,) = report["fault_jobs"]
    assert {k: job[k] for k in ("group", "fault_types", "pods")} == {
        "group": DECODE,
        "fault_types": ["CardUnhealthy"],
        "pods": [f"{DECODE}-1"],
    }
    # Which labels chose the mode and the scope, in words.
    assert job["policy"].startswith("fault-scheduling=force: deleted at once")
    assert "only the fault pods are replaced" in job["policy"]
    assert report["actions"] == [{"pod": f"{DECODE}-1", "action": "delete", "mode": "force", "reason": "CardUnhealthy"}]
    # The replacement lands in the same super-pod and logical super-node, away from the broken node.
    after = simulate.apply_actions(broken, report)
    replan = npusched.plan(after, now=now + 61, state=report["state"])
    (b,) = [b for b in replan["bindings"] if b["pod"] == f"{DECODE}-1"]
    assert b["node"] != node
    assert b["annotations"]["super-pod-id"] == "0" and b["annotations"]["super-pod-rank"] == "0"
    # Next call with the state: deletion seen done, replacement bound → the job leaves the state.
    done = npusched.faults(simulate.bind(after, replan), report["state"], now + 62)
    assert done["actions"] == [] and done["state"]["jobs"] == []


def test_state_round_trips_and_is_deterministic(demo: dict[str, Any], now: int) -> None:
    _, broken, _ = _story(demo, now)
    first = npusched.faults(broken, None, now + 60)
    assert npusched.faults(broken, None, now + 60) == first
    again = npusched.faults(broken, json.dumps(first["state"]), now + 61)
    assert again["state"] == npusched.faults(broken, first["state"], now + 61)["state"]


def test_bad_state_is_invalid_input(demo: dict[str, Any], now: int) -> None:
    with pytest.raises(npusched.InvalidInput, match=r"^state\.jobs"):
        npusched.faults(demo, {"jobs": 3, "retries": {}, "link_down": {}}, now)
    with pytest.raises(npusched.InvalidInput, match="state"):
        npusched.faults(demo, 42, now)


def test_cli_faults(run_cli: RunCli, tmp_path: Path, demo: dict[str, Any], now: int) -> None:
    _, broken, _ = _story(demo, now)
    snapshot = tmp_path / "snapshot.json"
    snapshot.write_text(json.dumps(broken), encoding="utf-8")
    proc = run_cli("faults", str(snapshot), "--now", str(now + 60))
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report == npusched.faults(broken, None, now + 60)
    state = tmp_path / "state.json"
    state.write_text(json.dumps(report["state"]), encoding="utf-8")
    proc2 = run_cli("faults", str(snapshot), "--state", str(state), "--now", str(now + 61))
    assert proc2.returncode == 0 and json.loads(proc2.stdout)["actions"] == []
    state.write_text("{", encoding="utf-8")
    bad = run_cli("faults", str(snapshot), "--state", str(state))
    assert bad.returncode == 2 and bad.stdout == b"" and b"state" in bad.stderr




def _device_lists(snapshot: dict[str, Any], node: str) -> tuple[dict[str, str], str]:
    """(the node's ClusterD DeviceList, its allocatable NPUs)."""
    for item in snapshot["items"]:
        md = item["metadata"]
        if item["kind"] == "ConfigMap" and md.get("namespace") == "mindx-dl" and md["name"] in item.get("data", {}):
            record = json.loads(item["data"][md["name"]]).get(f"mindx-dl-deviceinfo-{node}")
            if record is not None:
                lists = record["DeviceList"]
    allocatable = next(i for i in snapshot["items"] if i["kind"] == "Node" and i["metadata"]["name"] == node)
    return lists, allocatable["status"]["allocatable"]["huawei.com/Ascend910"]


def test_simulated_repair_undoes_the_simulated_fault(demo: dict[str, Any], now: int) -> None:
    running, broken, node = _story(demo, now)
    lists, npus = _device_lists(broken, node)
    assert "Ascend910-5" in lists["huawei.com/Ascend910-Unhealthy"].split(",")
    repaired = simulate.repair_chip_fault(broken, node, 5, now + 120)
    assert _device_lists(repaired, node) == _device_lists(running, node)
    assert int(npus) + 1 == int(_device_lists(repaired, node)[1])
    # Repairing a healthy chip changes nothing but the record's time.
    assert _device_lists(simulate.repair_chip_fault(repaired, node, 5, now + 180), node) == _device_lists(running, node)
    assert any(c["node"] == node for c in npusched.faults(broken, None, now + 60)["unusable_chips"])
    assert all(c["node"] != node for c in npusched.faults(repaired, None, now + 120)["unusable_chips"])
