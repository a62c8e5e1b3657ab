"""`npusched.generate` and `npusched generate`: seeded synthetic clusters as
Lists every command reads, the same bytes for the same options, and bad
options as InvalidInput / exit 2 naming the option."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import npusched
from npusched import _core
from npusched._generate import generate_text

MIX = "module-910b-8:0.4,module-a3-16:0.3,module-a3-16-super-pod:0.3"


def test_same_options_same_bytes_and_the_default_is_the_benchmarks_cluster() -> None:
    a = generate_text(50, seed=9, pending=10)
    assert generate_text(50, seed=9, pending=10) == a
    assert generate_text(50, seed=10, pending=10) != a
    # No options but the size and seed: the List the benchmarks and tests generate.
    assert generate_text(50, seed=9) == _core.synthetic_snapshot_json(50, 9)


@pytest.mark.parametrize("mix", [MIX, {"module-910b-8": 0.4, "module-a3-16": 0.3, "module-a3-16-super-pod": 0.3},
                                 [("module-910b-8", 0.4), ("module-a3-16", 0.3), ("module-a3-16-super-pod", 0.3)]])
def test_a_mix_as_text_dict_or_pairs_is_the_same_mix(mix: Any) -> None:
    assert generate_text(30, seed=2, mix=mix) == generate_text(30, seed=2)


def test_the_list_is_read_by_every_command(run_cli: Any, tmp_path: Path, now: int) -> None:
    out = tmp_path / "cluster.json"
    proc = run_cli("generate", "--nodes", "40", "--mix", "module-910b-8:0.5,module-a3-16-super-pod:0.5",
                   "--super-pod-size", "8", "--occupancy", "0.3", "--faults", "0.02", "--pending", "12",
                   "--seed", "4", "-o", str(out))
    assert proc.returncode == 0 and proc.stdout == b"", proc.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc == npusched.generate(40, mix="module-910b-8:0.5,module-a3-16-super-pod:0.5", super_pod_size=8,
                                    occupancy=0.3, faults=0.02, pending=12, seed=4)
    types = {i["metadata"]["labels"]["accelerator-type"] for i in doc["items"] if i["kind"] == "Node"}
    assert types == {"module-910b-8", "module-a3-16-super-pod"}
    plan = npusched.plan(doc, now=now)
    assert plan["excluded_nodes"] == [] and len(plan["bindings"]) + len(plan["unschedulable"]) == 12
    for command in (["plan"], ["faults"], ["explain", "--pod", "default/pend-00000"], ["show", "-o", str(tmp_path / "c.svg")]):
        proc = run_cli(*command, str(out), "--now", str(now))
        assert proc.returncode == 0, (command, proc.stderr)
    stdout = run_cli("generate", "--nodes", "40", "--mix", "module-910b-8:0.5,module-a3-16-super-pod:0.5",
                     "--super-pod-size", "8", "--occupancy", "0.3", "--faults", "0.02", "--pending", "12",
                     "--seed", "4")
    assert stdout.returncode == 0 and stdout.stdout == out.read_bytes()


def test_faults_make_unhealthy_chips_and_nodes() -> None:
    clean = npusched.plan(npusched.generate(200, seed=3, faults=0, node_faults=0), now=0)["summary"]
    broken = npusched.plan(npusched.generate(200, seed=3, faults=0.2, node_faults=0.2), now=0)["summary"]
    assert json.dumps(clean) != json.dumps(broken)
    assert clean["types"] != broken["types"]


@pytest.mark.parametrize(
    ("kwargs", "path", "code"),
    [
        ({"nodes": -1}, "nodes", "out_of_range"),
        ({"nodes": 300_001}, "nodes", "limit_exceeded"),
        ({"nodes": 2**40}, "nodes", "out_of_range"),
        ({"nodes": "10"}, "nodes", "wrong_type"),
        ({"nodes": True}, "nodes", "wrong_type"),
        ({"seed": -1}, "seed", "out_of_range"),
        ({"seed": 1.5}, "seed", "wrong_type"),
        ({"occupancy": 1.01}, "occupancy", "out_of_range"),
        ({"occupancy": float("nan")}, "occupancy", "invalid_value"),
        ({"faults": -0.5}, "faults", "out_of_range"),
        ({"node_faults": 3}, "node_faults", "out_of_range"),
        ({"super_pod_size": 0}, "super_pod_size", "out_of_range"),
        ({"pending": -3}, "pending", "out_of_range"),
        ({"mix": ""}, "mix", "invalid_value"),
        ({"mix": "gpu:1"}, "mix[0].type", "unknown_value"),
        ({"mix": "module-910b-8:0.5"}, "mix", "invalid_value"),
        ({"mix": "module-910b-8:0.5,module-910b-8:0.5"}, "mix[1].type", "duplicate"),
        ({"mix": {"module-910b-8": "0.5"}}, "mix[0].share", "wrong_type"),
        ({"mix": [("module-910b-8",)]}, "mix[0]", "wrong_type"),
        ({"mix": 5}, "mix", "wrong_type"),
        ({"mix": {"card:1,half": 0.5}}, "mix[0].type", "wrong_type"),
    ],
)
def test_bad_options_are_invalid_input_naming_the_argument(kwargs: dict[str, Any], path: str, code: str) -> None:
    args = {"nodes": 10, **kwargs}
    nodes = args.pop("nodes")
    with pytest.raises(npusched.InvalidInput) as e:
        npusched.generate(nodes, **args)
    assert (e.value.path, e.value.code) == (path, code), str(e.value)
    assert str(e.value).startswith(path + ": ")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--nodes", "-1"], "npusched: error[out_of_range]: --nodes: -1 is out of range (0..1000000)"),
        (["--nodes", "5", "--mix", "card:0.5"], "npusched: error[invalid_value]: --mix: mix: the shares sum to 0.5, not 1"),
        (["--nodes", "5", "--faults", "2"], "npusched: error[out_of_range]: --faults: 2 is out of range (0..1)"),
        (["--nodes", "5", "--node-faults", "inf"], "npusched: error[invalid_value]: --node-faults: inf is not a finite number"),
        (["--nodes", "5", "--pending", "-1"], "npusched: error[out_of_range]: --pending: -1 is out of range (0..1000000)"),
        (["--nodes", "5", "--seed", "-2"], "npusched: error[out_of_range]: --seed: -2 is out of range (0..2^64-1)"),
    ],
)
def test_bad_options_exit_2_naming_the_flag(run_cli: Any, args: list[str], message: str) -> None:
    proc = run_cli("generate", *args)
    assert proc.returncode == 2 and proc.stdout == b""
    assert proc.stderr.decode().strip() == message


def test_an_unwritable_output_is_exit_2(run_cli: Any, tmp_path: Path) -> None:
    proc = run_cli("generate", "--nodes", "3", "-o", str(tmp_path / "missing" / "c.json"))
    assert proc.returncode == 2 and proc.stdout == b""
    assert proc.stderr.decode().startswith("npusched: error: cannot write ")
