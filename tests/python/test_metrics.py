"""`npusched.metrics` and `npusched metrics`: the core's numbers through the
adapter, the sizes in use read from the snapshot, options and their errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import npusched
from npusched import _format


def _snapshot() -> dict[str, Any]:
    return npusched.generate(120, seed=11, super_pod_size=8, pending=20)


def test_the_numbers_add_up_per_type_and_per_super_pod() -> None:
    m = npusched.metrics(_snapshot())
    assert [t["type"] for t in m["types"]] == ["module-910b-8", "module-a3-16", "module-a3-16-super-pod"]
    plan = npusched.plan(_snapshot(), now=0)
    free = {t["type"]: t["free_npus_before"] for t in plan["summary"]["types"]}
    for t in m["types"]:
        assert t["free_npus"] == free[t["type"]]  # the same rule as the plan's summary
        assert t["largest_gang_npus"] + t["stranded_npus"] <= t["free_npus"]
        assert 0 <= t["fragmentation"] <= 1
    pods = m["super_pods"]
    assert [p["super_pod_id"] for p in pods] == sorted(p["super_pod_id"] for p in pods)
    for i, b in enumerate(m["block_nodes"]):
        assert m["spectrum"][i] == {"block_nodes": b, "blocks": sum(p["spectrum"][i]["blocks"] for p in pods)}
        for p in pods:
            assert p["spectrum"][i]["blocks"] == p["free_whole_nodes"] // b


def test_sizes_in_use_come_from_the_snapshot_and_options_override_them() -> None:
    snapshot = _snapshot()
    in_use = npusched.metrics(snapshot)
    assert in_use["request_sizes"]["module-a3-16"] == [1, 2, 4, 8, 16]  # running 2..16 dies, pending 1-die pods
    legal = npusched.metrics(snapshot, legal_sizes=True)
    assert legal["request_sizes"]["module-910b-8"] == [1, 2, 4, 8]
    only8 = npusched.metrics(snapshot, request_sizes=[8], block_nodes=[2, 4])
    assert only8["request_sizes"] == {"module-910b-8": [8], "module-a3-16": [8], "module-a3-16-super-pod": [8]}
    assert only8["block_nodes"] == [2, 4]
    a2 = {t["type"]: t for t in only8["types"]}["module-910b-8"]
    assert a2["stranded_npus"] == a2["free_npus"] - a2["largest_gang_npus"]


def test_deterministic_and_independent_of_item_order() -> None:
    snapshot = _snapshot()
    text = npusched._metrics.metrics_text(snapshot)
    snapshot["items"].reverse()
    assert npusched._metrics.metrics_text(snapshot) == text


@pytest.mark.parametrize(
    ("kwargs", "path", "code"),
    [
        ({"block_nodes": [0]}, "block_nodes[0]", "out_of_range"),
        ({"block_nodes": "2,4"}, "block_nodes", "wrong_type"),
        ({"request_sizes": [8, True]}, "request_sizes[1]", "wrong_type"),
        ({"request_sizes": [8], "legal_sizes": True}, "legal_sizes", "invalid_value"),
        ({"legal_sizes": 1}, "legal_sizes", "wrong_type"),
    ],
)
def test_bad_options_are_invalid_input(kwargs: dict[str, Any], path: str, code: str) -> None:
    with pytest.raises(npusched.InvalidInput) as e:
        npusched.metrics(_snapshot(), **kwargs)
    assert (e.value.path, e.value.code) == (path, code)


def test_cli_prints_the_json_or_a_table_and_exits_2_on_bad_input(run_cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_text(json.dumps(_snapshot()), encoding="utf-8")
    proc = run_cli("metrics", str(path))
    assert proc.returncode == 0
    assert json.loads(proc.stdout) == npusched.metrics(_snapshot())
    table = run_cli("metrics", str(path), "--format", "table")
    assert table.returncode == 0
    assert table.stdout.decode().rstrip("\n") == _format.metrics_table(json.loads(proc.stdout))
    assert "BLOCKS-OF-" in table.stdout.decode()
    bad = run_cli("metrics", str(path), "--block-nodes", "2,-1")
    assert bad.returncode == 2 and bad.stdout == b""
    assert bad.stderr.decode().strip() == (
        "npusched: error[out_of_range]: --block-nodes: block_nodes[1]: -1 is out of range (1..1000000)")
    (tmp_path / "bad.json").write_text("{", encoding="utf-8")
    broken = run_cli("metrics", str(tmp_path / "bad.json"))
    assert broken.returncode == 2 and broken.stdout == b"" and b"malformed_document" in broken.stderr
