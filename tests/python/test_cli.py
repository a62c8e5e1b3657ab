"""The `npusched` console script, run as a user would (a subprocess)."""

from __future__ import annotations

import json
import subprocess
import sys
from xml.etree import ElementTree
from pathlib import Path
from typing import Any, Callable

import npusched
import pytest
from npusched import _core, _demo

RunCli = Callable[..., "subprocess.CompletedProcess[bytes]"]  # the run_cli fixture


def _write(tmp_path: Path, name: str, data: Any) -> Path:
    path = tmp_path / name
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def _assert_bad_input(proc: subprocess.CompletedProcess[bytes], *fragments: str) -> str:
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == b""
    message = proc.stderr.decode()
    assert message.startswith("npusched") and message.count("\n") == 1, message
    assert "Traceback" not in message
    for fragment in fragments:
        assert fragment in message
    return message


def test_plan_prints_the_adapters_bytes(run_cli: RunCli, tmp_path: Path, demo_text: str, now: int) -> None:
    path = _write(tmp_path, "snapshot.json", demo_text)
    proc = run_cli("plan", str(path), "--now", str(now))
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == b""
    assert proc.stdout == _core.plan_json(demo_text, now).encode() + b"\n"
    assert json.loads(proc.stdout) == npusched.plan(demo_text, now=now)


def test_plan_reads_standard_input(run_cli: RunCli, demo_text: str, now: int) -> None:
    proc = run_cli("plan", "-", "--now", str(now), stdin=demo_text.encode())
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == _core.plan_json(demo_text, now).encode() + b"\n"


def test_plan_scheduler_name(run_cli: RunCli, tmp_path: Path, demo_text: str, now: int) -> None:
    path = _write(tmp_path, "snapshot.json", demo_text)
    proc = run_cli("plan", str(path), "--now", str(now), "--scheduler-name", "default-scheduler")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    summary = out.pop("summary")
    assert out == {"bindings": [], "unschedulable": [], "excluded_nodes": [], "super_pod_jobs": [], "gangs": []}
    assert (summary["pending"], summary["placed"], summary["unplaced"]) == (0, 0, 0)
    assert summary["total"]["free_npus_before"] == summary["total"]["free_npus_after"]


def test_plan_is_deterministic(run_cli: RunCli, tmp_path: Path, demo_text: str, now: int) -> None:
    path = _write(tmp_path, "snapshot.json", demo_text)
    first = run_cli("plan", str(path), "--now", str(now))
    second = run_cli("plan", str(path), "--now", str(now))
    assert first.returncode == second.returncode == 0
    assert first.stdout == second.stdout


def test_missing_file_is_bad_input(run_cli: RunCli, tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    _assert_bad_input(run_cli("plan", str(missing)), str(missing), "No such file")


def test_directory_is_bad_input(run_cli: RunCli, tmp_path: Path) -> None:
    _assert_bad_input(run_cli("plan", str(tmp_path)), str(tmp_path))


def test_invalid_json_is_bad_input(run_cli: RunCli, tmp_path: Path) -> None:
    path = _write(tmp_path, "broken.json", '{"items": [')
    _assert_bad_input(run_cli("plan", str(path)), str(path), "JSON")


def test_invalid_json_on_stdin_is_bad_input(run_cli: RunCli) -> None:
    _assert_bad_input(run_cli("plan", "-", stdin=b"not json"), "standard input", "JSON")


def test_invalid_document_names_the_field(run_cli: RunCli, tmp_path: Path, demo: dict[str, Any]) -> None:
    del demo["items"][0]["metadata"]["name"]
    path = _write(tmp_path, "unnamed.json", demo)
    _assert_bad_input(run_cli("plan", str(path)), "items[0].metadata.name: missing")


def test_non_utf8_file_is_bad_input(run_cli: RunCli, tmp_path: Path) -> None:
    path = _write(tmp_path, "latin1.json", b'{"items": [], "x": "\xe9"}')
    _assert_bad_input(run_cli("plan", str(path)), "UTF-8")


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["plan"],
        ["frobnicate"],
        ["plan", "x.json", "--now", "soon"],
        ["plan", "x.json", "--now", "-5"],
        ["demo", "--now", "1.5"],
        ["demo", "--bogus"],
    ],
)
def test_usage_errors_exit_2(run_cli: RunCli, argv: list[str]) -> None:
    proc = run_cli(*argv)
    assert proc.returncode == 2
    assert proc.stdout == b""
    assert b"usage: npusched" in proc.stderr and b"Traceback" not in proc.stderr


def test_plan_table_of_the_small_demo(
    run_cli: RunCli, tmp_path: Path, demo_text: str, now: int, pending_names: list[str]
) -> None:
    path = _write(tmp_path, "snapshot.json", demo_text)
    proc = run_cli("plan", str(path), "--now", str(now), "--format", "table")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.decode()
    summary = npusched.plan(npusched.demo_snapshot(), now=now)["summary"]
    total = summary["total"]
    assert out.startswith(
        "Cluster: 18 nodes (3 module-910b-8, 2 module-a3-16, 13 module-a3-16-super-pod), 18 pending pods: "
        f"{summary['placed']} placed, {summary['unplaced']} not placed; 0 nodes excluded.\n"
        f"Free NPUs on usable nodes: {total['free_npus_before']} of {total['npus']} before this plan, "
        f"{total['free_npus_after']} after (not usable: a2-node-3).\n"
    )
    pods = out[: out.index("\nSuper-pod job ")]
    rows = {line.split()[0]: line for line in pods.splitlines() if line.startswith("serving/")}
    # One row per pod, except that pods of one group refused alike share a row.
    assert "serving/sglang-decode-c-0 (+3 of serving/sglang-decode-c)" in out
    collapsed = {f"serving/sglang-decode-c-{r}" for r in range(1, 4)}
    assert sorted(rows) == sorted(set(pending_names) - collapsed)
    for result in npusched.plan(npusched.demo_snapshot(), now=now)["unschedulable"]:
        if result["pod"] in collapsed:
            continue
        assert result["reason"] in rows[result["pod"]]
        assert result["message"] in rows[result["pod"]]
    assert "invalid_request" in out and "topology_mismatch" in out
    assert rows["serving/llama-decode-0"].split()[1:4] == ["4", "a2-node-1", "4-7"]
    # The SGLang decode instance on the SuperPoD: its block structure is shown.
    assert rows["serving/sglang-decode-b-0"].split()[1:3] == ["16", "sp0-node-1"]
    assert "Super-pod job serving/sglang-decode-b: placed; 2 logical super-nodes of 2 nodes" in out
    assert "logical super-node 1 -> super-pod 0: sp0-node-3, sp0-node-4" in out
    assert "Super-pod job serving/sglang-decode-c: not placed" in out
    assert "superpod_capacity" in rows["serving/sglang-decode-c-0"]


def test_demo_tells_the_story(run_cli: RunCli, now: int, tmp_path: Path) -> None:
    svg = tmp_path / "demo.svg"
    proc = run_cli("demo", "--now", str(now), "--svg", str(svg))
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.decode()
    placed = _demo.what_if_plan(now)
    # 1. Both services admitted, every role, every pod where the plan put it.
    for service in placed["inference_services"]:
        assert f"Service {service['service']} ({service['runtime']}): admitted" in out
        for role in service["roles"]:
            for instance in role["instances"]:
                for pod in instance["pods"]:
                    assert any(pod["pod"] in line and pod["node"] in line for line in out.splitlines())
    # 2. The picture is written and named.
    assert f"picture of the cluster with the planned services: {svg}" in out
    ElementTree.parse(svg)
    # 3. Only the faulty decode pod is deleted, at once, and the report says which labels chose that.
    assert "serving/lws-llama-pd-sp-decoder-1-1  delete  force  CardUnhealthy" in out
    assert out.count("  delete  ") == 1
    assert "fault-scheduling=force: deleted at once" in out and "only the fault pods are replaced" in out
    # 4. The replacement goes away from the broken node.
    broken = next(
        p["node"]
        for s in placed["inference_services"]
        for r in s["roles"]
        for i in r["instances"]
        for p in i["pods"]
        if p["pod"] == "serving/lws-llama-pd-sp-decoder-1-1"
    )
    (replacement,) = [line for line in out.splitlines()[-3:] if "serving/lws-llama-pd-sp-decoder-1-1" in line]
    assert broken not in replacement and " 16 " in f" {replacement.split()[1]} "
    assert "The other 10 pods keep running" in out


def test_demo_json_is_the_what_if_plan(run_cli: RunCli, now: int, tmp_path: Path) -> None:
    proc = run_cli("demo", "--now", str(now), "--json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == _demo.what_if_plan(now)
    assert not list(tmp_path.iterdir())  # --json draws nothing


def test_version(run_cli: RunCli) -> None:
    proc = run_cli("--version")
    assert proc.returncode == 0
    assert proc.stdout.decode().strip() == f"npusched {npusched.__version__}"


def test_python_dash_m(tmp_path: Path, now: int, demo_text: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "npusched", "plan", "-", "--now", str(now)],
        input=demo_text.encode(),
        capture_output=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == _core.plan_json(demo_text, now).encode() + b"\n"


def test_main_returns_the_exit_code(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from npusched.cli import main

    assert main(["plan", str(tmp_path / "missing.json")]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "missing.json" in captured.err


def test_plan_super_pod_flags(run_cli: RunCli, tmp_path: Path, demo_text: str, now: int) -> None:
    path = _write(tmp_path, "snapshot.json", demo_text)
    proc = run_cli("plan", str(path), "--now", str(now), "--reserve-nodes", "0", "--super-pod-size", "48")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == npusched.plan(demo_text, now=now, reserve_nodes=0, super_pod_size=48)
    bad = run_cli("plan", str(path), "--reserve-nodes", "two")
    assert bad.returncode == 2 and bad.stdout == b""


def test_plan_extra_objects(run_cli: RunCli, tmp_path: Path, demo_text: str, now: int) -> None:
    snapshot = _write(tmp_path, "snapshot.json", demo_text)
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "what-if-0", "namespace": "serving", "creationTimestamp": "2030-01-01T00:00:00Z"},
        "spec": {
            "schedulerName": "volcano",
            "nodeSelector": {"accelerator-type": "module-a3-16"},
            "containers": [{"name": "main", "resources": {"requests": {"huawei.com/Ascend910": "2"}}}],
        },
        "status": {"phase": "Pending"},
    }
    extra = _write(tmp_path, "extra.json", [pod])
    proc = run_cli("plan", str(snapshot), "--now", str(now), "--extra-objects", str(extra))
    assert proc.returncode == 0, proc.stderr
    # --extra-objects is the old name of --add: the same documents, expanded the same way.
    assert json.loads(proc.stdout) == npusched.plan(demo_text, now=now, add=[pod])
    assert json.loads(proc.stdout)["bindings"] == npusched.plan(demo_text, now=now, extra_objects=[pod])["bindings"]
    missing = run_cli("plan", str(snapshot), "--extra-objects", str(tmp_path / "nope.json"))
    assert missing.returncode == 2 and missing.stdout == b"" and b"cannot read" in missing.stderr


def _output_keys(demo_text: str, now: int) -> dict[str, list[str]]:
    plan_keys = list(npusched.plan(demo_text, now=now))
    faults_keys = list(npusched.faults(demo_text, None, now))
    explain_keys = list(npusched.explain(demo_text, pod="serving/llama-decode-0", now=now))
    return {  # show writes an SVG file
        "plan": plan_keys,
        "faults": faults_keys,
        "show": [],
        "explain": explain_keys,
        "demo": plan_keys,
    }


def test_every_subcommand_help_has_an_example_and_names_its_output_keys(
    run_cli: RunCli, demo_text: str, now: int
) -> None:
    for command, keys in _output_keys(demo_text, now).items():
        proc = run_cli(command, "--help")
        assert proc.returncode == 0, proc.stderr
        text = proc.stdout.decode()
        assert "Example:" in text and f"npusched {command} " in text, command
        for key in keys:
            assert f'"{key}"' in text, (command, key)
        assert "--now UNIX_SECONDS" in text


def test_now_help_says_what_the_time_is_for(run_cli: RunCli) -> None:
    plan_help = run_cli("plan", "--help").stdout.decode()
    faults_help = run_cli("faults", "--help").stdout.decode()
    assert "predicate-time" in plan_help
    assert "grace" in faults_help and "predicate-time" not in faults_help


def test_plan_help_names_every_kind_the_snapshot_reads(run_cli: RunCli) -> None:
    text = run_cli("plan", "--help").stdout.decode()
    assert "kubectl get nodes,pods,configmaps,replicasets,podgroups.scheduling.volcano.sh -A -o json" in text
    assert "--format {json,table}" in text
