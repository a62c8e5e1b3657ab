"""The trace simulator: trace format, the cluster's side of a run (arrivals,
departures, faults, repairs), determinism, the baselines on one trace, and
the command."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import npusched
from npusched import simulator

CLUSTER = {"kind": "cluster", "nodes": 2, "mix": "module-910b-8:1", "super_pod_size": 8}


def _submit(t: int, job: str, pods: int, npus: int, duration: int) -> dict[str, Any]:
    return {"t": t, "kind": "submit", "job": job, "type": "module-910b-8", "pods": pods, "npus": npus,
            "duration": duration}


def test_a_gang_waits_for_the_one_before_it_to_leave() -> None:
    trace = [CLUSTER, _submit(0, "sim/a", 2, 8, 100), _submit(10, "sim/b", 2, 8, 50), _submit(200, "sim/c", 1, 1, 9)]
    r = simulator.run(trace)
    assert (r["jobs"], r["accepted"], r["acceptance"]) == (3, 3, 1.0)
    # a starts at once; b (both nodes whole) only when a leaves at t=100.
    assert r["wait_by_size"] == {"1-8": {"jobs": 1, "mean_s": 0.0, "p99_s": 0.0},
                                 "9-32": {"jobs": 2, "mean_s": 45.0, "p99_s": 90.0}}
    assert [p["t"] for p in r["series"]] == [0, 10, 100, 150, 200]
    assert [p["pending_jobs"] for p in r["series"]] == [0, 1, 0, 0, 0]


def test_a_job_not_started_by_the_last_event_is_not_accepted() -> None:
    r = simulator.run([CLUSTER, _submit(0, "sim/a", 2, 8, 100), _submit(10, "sim/b", 2, 8, 50)])
    assert (r["accepted"], r["acceptance"]) == (1, 0.5)
    assert r["wait_by_size"]["9-32"] == {"jobs": 2, "mean_s": 0.0, "p99_s": 0.0}  # b waited 0 s up to the horizon


def test_a_chip_fault_under_a_job_deletes_and_replaces_only_its_pod() -> None:
    trace = [CLUSTER, _submit(0, "sim/a", 1, 4, 1000), _submit(0, "sim/b", 1, 4, 1000),
             {"t": 30, "kind": "chip_fault", "node": "a2-00000", "chip": 0}]
    r = simulator.run(trace)
    assert r["reschedules"] == 1  # only the pod on the broken chip
    assert r["repairs"] == 1 and r["mean_time_to_repair_s"] == 0.0  # replaced in the same step
    assert r["accepted"] == 2


def test_runs_are_deterministic_and_the_trace_round_trips() -> None:
    trace = simulator.generate_trace("mixed", seed=5, steps=15)
    assert simulator.generate_trace("mixed", seed=5, steps=15) == trace
    assert simulator.read_trace(json.dumps(e) for e in trace) == trace
    first = json.dumps(simulator.run(trace))
    assert json.dumps(simulator.run(trace)) == first
    assert "decision_ms" not in first and "decision_ms" in simulator.run(trace, timing=True)


@pytest.mark.parametrize("family", simulator.FAMILIES)
def test_every_policy_runs_every_family_on_the_same_trace(family: str) -> None:
    trace = simulator.generate_trace(family, seed=2, steps=12)
    reports = simulator.compare(trace)
    assert [r["policy"] for r in reports] == list(simulator.POLICIES)
    for r in reports:
        assert r["jobs"] == sum(1 for e in trace if e.get("kind") == "submit")
        assert 0 <= r["accepted"] <= r["jobs"]
        times = [p["t"] for p in r["series"]]
        assert times == sorted(set(times))
        assert all(0 <= p["fragmentation"] <= 1 and p["stranded_npus"] <= p["free_npus"] for p in r["series"])
    table = simulator.summary_table(reports).splitlines()
    assert len(table) == 2 + len(reports) and table[2].startswith("| npusched |")


@pytest.mark.parametrize(
    ("lines", "path", "code"),
    [
        ([], "line 1", "missing_field"),
        (['{"kind": "submit"}'], "line 1.kind", "invalid_value"),
        ([json.dumps(CLUSTER), "{"], "line 2", "malformed_document"),
        ([json.dumps(CLUSTER), '{"t": 1, "kind": "boom"}'], "line 2.kind", "unknown_value"),
        ([json.dumps(CLUSTER), json.dumps(_submit(5, "sim/a", 1, 1, 1)), json.dumps(_submit(4, "sim/b", 1, 1, 1))],
         "line 3.t", "invalid_value"),
        ([json.dumps(CLUSTER), '{"t": 1, "kind": "chip_fault", "node": "n"}'], "line 2.chip", "missing_field"),
        ([json.dumps(CLUSTER), json.dumps(_submit(1, "sim/a", 0, 1, 1))], "line 2", "out_of_range"),
        ([json.dumps({**CLUSTER, "nodes": "2"})], "line 1.nodes", "wrong_type"),
    ],
)
def test_bad_traces_are_invalid_input_naming_the_line(lines: list[str], path: str, code: str) -> None:
    with pytest.raises(npusched.InvalidInput) as e:
        simulator.read_trace(lines)
    assert (e.value.path, e.value.code) == (path, code)


def test_bad_options_are_invalid_input() -> None:
    with pytest.raises(npusched.InvalidInput) as e:
        simulator.run([CLUSTER], policy="best")
    assert (e.value.path, e.value.code) == ("policy", "unknown_value")
    with pytest.raises(npusched.InvalidInput) as e:
        simulator.generate_trace("batch")
    assert (e.value.path, e.value.code) == ("family", "unknown_value")


def test_cli_replays_a_trace_file_or_a_generated_family(run_cli: Any, tmp_path: Path) -> None:
    out = tmp_path / "trace.jsonl"
    proc = run_cli("simulate", "--generate", "fault-storm", "--steps", "8", "--format", "markdown",
                   "--write-trace", str(out))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.decode().splitlines()[0].startswith("| policy | acceptance |")
    again = run_cli("simulate", str(out), "--policy", "npusched")
    assert again.returncode == 0
    trace = simulator.read_trace(out.read_text(encoding="utf-8").splitlines())
    assert json.loads(again.stdout) == [simulator.run(trace)]
    (tmp_path / "bad.jsonl").write_text('{"kind": "submit"}\n', encoding="utf-8")
    bad = run_cli("simulate", str(tmp_path / "bad.jsonl"))
    assert bad.returncode == 2 and bad.stdout == b""
    assert bad.stderr.decode().startswith("npusched: error[invalid_value]: ")


def test_the_chart_has_one_line_per_policy_and_panel(tmp_path: Path, run_cli: Any) -> None:
    import xml.etree.ElementTree as ET

    reports = simulator.compare(simulator.generate_trace("mixed", seed=3, steps=10))
    svg = simulator.chart_svg(reports, "t")
    assert svg == simulator.chart_svg(reports, "t")
    root = ET.fromstring(svg)
    lines = root.findall("{http://www.w3.org/2000/svg}polyline")
    assert len(lines) == 3 * len(reports)
    assert all(len(line.get("points", "").split()) == len(reports[0]["series"]) for line in lines)
    out = tmp_path / "c.svg"
    proc = run_cli("simulate", "--generate", "mixed", "--seed", "3", "--steps", "10", "--svg", str(out))
    assert proc.returncode == 0 and ET.fromstring(out.read_text(encoding="utf-8")) is not None
    assert all(0 <= p["acceptance"] <= 1 for r in reports for p in r["series"])
