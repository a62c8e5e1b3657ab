"""npusched.explain and `npusched explain`: targets, counts, errors, CLI bytes."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any, Callable

import npusched
import pytest
from npusched import _core

RunCli = Callable[..., "subprocess.CompletedProcess[bytes]"]


def _node_count(snapshot: dict[str, Any]) -> int:
    return sum(1 for item in snapshot["items"] if item.get("kind") == "Node")


def _pod(ns: str, name: str, npus: int) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "uid": f"uid-{name}", "creationTimestamp": "2024-01-01T00:00:00Z"},
        "spec": {
            "schedulerName": "volcano",
            "containers": [{"name": "main", "resources": {"requests": {"huawei.com/Ascend910": str(npus)},
                                                          "limits": {"huawei.com/Ascend910": str(npus)}}}],
        },
        "status": {"phase": "Pending"},
    }


def test_placed_pod_names_its_node(demo: dict[str, Any], now: int) -> None:
    planned = npusched.plan(demo, now=now)
    first = planned["bindings"][0]
    out = npusched.explain(demo, pod=first["pod"], now=now)
    assert list(out) == ["target", "pods", "gangs", "super_pod_jobs", "suggestions", "defrag"]
    ns, name = first["pod"].split("/")
    assert out["target"] == {"kind": "pod", "namespace": ns, "name": name, "status": "pending", "running": []}
    [pod] = out["pods"]
    assert pod["placed"] is True
    assert pod["node"] == first["node"]
    assert pod["excluded"]["total"] == _node_count(demo)


def test_counts_add_up_to_every_node(demo: dict[str, Any], now: int) -> None:
    huge = [_pod("default", f"huge-{i:02}", 16) for i in range(16)]  # more than the demo's free 16-NPU nodes
    out = npusched.explain(demo, pod="default/huge-15", extra_objects=huge, now=now)
    [pod] = out["pods"]
    assert pod["placed"] is False
    excluded = dict(pod["excluded"])
    total = excluded.pop("total")
    assert total == _node_count(demo)
    assert sum(excluded.values()) == total
    assert pod["message"]
    assert out["suggestions"], out


def test_deterministic(demo: dict[str, Any], now: int) -> None:
    text = json.dumps(demo)
    a = _core.explain_json(text, "pod", "default/huge", now, extra_objects_json=json.dumps([_pod("default", "huge", 16)]))
    b = _core.explain_json(text, "pod", "default/huge", now, extra_objects_json=json.dumps([_pod("default", "huge", 16)]))
    assert a == b


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"pod": "default/nope"}, "target: pod default/nope has no pending pod"),
        ({"group": "default/nope"}, "target: group default/nope"),
        ({"service": "default/nope"}, "target: service default/nope"),
        ({"pod": "nope"}, "is not NAMESPACE/NAME"),
        ({}, "exactly one of pod, group or service"),
        ({"pod": "a/b", "group": "a/b"}, "exactly one of pod, group or service"),
        ({"pod": 3}, "pod: expected a str"),
        ({"pod": "a/b", "super_pod_size": "48"}, "super_pod_size"),
    ],
)
def test_bad_target_is_invalid_input(demo: dict[str, Any], kwargs: dict[str, Any], fragment: str) -> None:
    with pytest.raises(npusched.InvalidInput, match=fragment):
        npusched.explain(demo, now=1, **kwargs)


def test_cli_prints_the_adapters_bytes(run_cli: RunCli, tmp_path: Path, demo_text: str, now: int) -> None:
    path = tmp_path / "snapshot.json"
    path.write_text(demo_text, encoding="utf-8")
    pod = npusched.plan(demo_text, now=now)["bindings"][0]["pod"]
    proc = run_cli("explain", str(path), "--pod", pod, "--now", str(now))
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == b""
    assert proc.stdout == _core.explain_json(demo_text, "pod", pod, now).encode() + b"\n"


def test_cli_bad_target_exits_2(run_cli: RunCli, tmp_path: Path, demo_text: str) -> None:
    path = tmp_path / "snapshot.json"
    path.write_text(demo_text, encoding="utf-8")
    proc = run_cli("explain", str(path), "--group", "default/nope", "--now", "1")
    assert proc.returncode == 2
    assert proc.stdout == b""
    message = proc.stderr.decode()
    assert message.count("\n") == 1 and "group default/nope" in message and "Traceback" not in message


def test_cli_needs_exactly_one_target(run_cli: RunCli, tmp_path: Path, demo_text: str) -> None:
    path = tmp_path / "snapshot.json"
    path.write_text(demo_text, encoding="utf-8")
    assert run_cli("explain", str(path)).returncode == 2
    assert run_cli("explain", str(path), "--pod", "a/b", "--group", "a/b").returncode == 2


def test_cli_help_has_an_example(run_cli: RunCli) -> None:
    proc = run_cli("explain", "--help")
    assert proc.returncode == 0
    text = proc.stdout.decode()
    for option in ("--pod", "--group", "--service", "--extra-objects", "--state", "--scheduler-name",
                   "--super-pod-size", "--reserve-nodes", "--now", "npusched explain snapshot.json"):
        assert option in text
