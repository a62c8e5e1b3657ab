"""The text rendering of plan and faults outputs (`--format table`, the demo)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import npusched
import pytest
from npusched import _format

from conftest import REPO, RunCli

DATA = REPO / "tests" / "data" / "k8s"
SNAPSHOT = DATA / "small_cluster.json"
NOW = 1709373600


@pytest.mark.parametrize(
    ("count", "word", "words", "want"),
    [
        (0, "node", None, "0 nodes"),
        (1, "node", None, "1 node"),
        (2, "node", None, "2 nodes"),
        (1, "pending pod", None, "1 pending pod"),
        (3, "entry", "entries", "3 entries"),
        (1, "entry", "entries", "1 entry"),
        (13, "module-a3-16", "module-a3-16", "13 module-a3-16"),
    ],
)
def test_plural_is_singular_only_for_one(count: int, word: str, words: str | None, want: str) -> None:
    assert _format.plural(count, word, words) == want


@pytest.mark.parametrize(
    ("chips", "want"),
    [
        ([], "-"),
        (["Ascend910-3"], "3"),
        (["Ascend910-4", "Ascend910-5", "Ascend910-6", "Ascend910-9"], "4-6,9"),
        (["Ascend910-9", "Ascend910-5", "Ascend910-4", "Ascend910-6"], "4-6,9"),
        (["Ascend910-0", "Ascend910-2", "Ascend910-4"], "0,2,4"),
        ([f"Ascend910-{i}" for i in range(16)], "0-15"),
        (["Ascend910-1", "Ascend910-2", "Ascend910-10", "Ascend910-11"], "1-2,10-11"),
    ],
)
def test_chip_ranges_join_consecutive_ids(chips: list[str], want: str) -> None:
    assert _format.chip_ranges(chips) == want


def test_table_aligns_columns_two_spaces_apart_without_trailing_blanks() -> None:
    lines = _format.table([("POD", "NPUS", "NODE"), ("ns/a-long-name", "8", "n1"), ("ns/b", "16", "")])
    assert lines == [
        "POD             NPUS  NODE",
        "ns/a-long-name  8     n1",
        "ns/b            16",
    ]


def test_runs_collapse_consecutive_pods_of_one_group_refused_alike() -> None:
    a = {"pod": "ns/g-0", "group": "ns/g", "reason": "r", "message": "m"}
    b = {"pod": "ns/g-1", "group": "ns/g", "reason": "r", "message": "m"}
    c = {"pod": "ns/g-2", "group": "ns/g", "reason": "other", "message": "m"}
    lone = [{"pod": f"ns/p{i}", "group": "", "reason": "r", "message": "m"} for i in range(2)]
    assert _format.runs([a, b, c, *lone]) == [(a, 2), (c, 1), (lone[0], 1), (lone[1], 1)]


def _plan() -> dict[str, Any]:
    return npusched.plan(SNAPSHOT.read_text(encoding="utf-8"), now=NOW)


def test_plan_table_golden_for_the_small_cluster() -> None:
    want = (DATA / "small_plan.golden.txt").read_text(encoding="utf-8")
    assert _format.plan_table(_plan()) + "\n" == want


def test_plan_table_prints_the_summary_numbers() -> None:
    plan = _plan()
    text = _format.plan_table(plan)
    total = plan["summary"]["total"]
    assert f"{total['free_npus_before']} of {total['npus']} before this plan, {total['free_npus_after']} after" in text
    for t in plan["summary"]["types"]:
        row = next(line for line in text.splitlines() if line.startswith(t["type"] + " "))
        assert row.split()[1:6] == [
            str(t[k]) for k in ("nodes", "usable_nodes", "npus", "free_npus_before", "free_npus_after")
        ]


def test_plan_table_names_unusable_nodes() -> None:
    plan = _plan()
    plan["summary"]["total"]["unusable_nodes"] = ["a2-0"]
    plan["summary"]["types"][1]["unusable_nodes"] = ["a2-0"]
    text = _format.plan_table(plan)
    assert "after (not usable: a2-0)." in text
    assert next(line for line in text.splitlines() if line.startswith("module-910b-8 ")).endswith("a2-0")


def test_faults_table_golden_for_the_small_cluster() -> None:
    report = npusched.faults(SNAPSHOT.read_text(encoding="utf-8"), None, NOW)
    want = (DATA / "small_faults.golden.txt").read_text(encoding="utf-8")
    assert _format.faults_table(report) + "\n" == want


def test_faults_table_lists_jobs_actions_and_untrusted_records() -> None:
    report = {
        "unusable_nodes": [{"node": "n1", "reason": "NodeUnhealthy"}],
        "unusable_chips": [{"node": "n2", "chips": ["Ascend910-1", "Ascend910-2"], "reason": "Unhealthy"}],
        "fault_jobs": [{"group": "ns/g", "fault_types": ["CardUnhealthy"], "pods": ["ns/g-0"]}],
        "actions": [{"pod": "ns/g-0", "action": "delete", "mode": "grace", "reason": "CardUnhealthy"}],
        "state": {},
        "untrusted_records": [{"node": "n3", "record": "r", "source": "s", "message": "stale"}],
    }
    assert _format.faults_table(report).splitlines() == [
        "Faults: 1 unusable node, 1 unusable chip set, 1 fault job, 1 action, 1 untrusted record.",
        "",
        "Unusable nodes:",
        "NODE  REASON",
        "n1    NodeUnhealthy",
        "",
        "Unusable chips:",
        "NODE  CHIPS  REASON",
        "n2    1-2    Unhealthy",
        "",
        "Fault jobs:",
        "GROUP  FAULTS         PODS    NOTE",
        "ns/g   CardUnhealthy  ns/g-0  -",
        "",
        "Actions:",
        "POD     ACTION  MODE   REASON",
        "ns/g-0  delete  grace  CardUnhealthy",
        "",
        "Untrusted records:",
        "NODE  RECORD  SOURCE  MESSAGE",
        "n3    r       s       stale",
    ]


def test_cli_plan_format_table(run_cli: RunCli) -> None:
    proc = run_cli("plan", str(SNAPSHOT), "--now", str(NOW), "--format", "table")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.decode() == (DATA / "small_plan.golden.txt").read_text(encoding="utf-8")


def test_cli_plan_format_json_is_the_default(run_cli: RunCli) -> None:
    default = run_cli("plan", str(SNAPSHOT), "--now", str(NOW))
    explicit = run_cli("plan", str(SNAPSHOT), "--now", str(NOW), "--format", "json")
    assert default.returncode == explicit.returncode == 0
    assert default.stdout == explicit.stdout
    assert json.loads(default.stdout) == _plan()


def test_cli_faults_format_table(run_cli: RunCli) -> None:
    proc = run_cli("faults", str(SNAPSHOT), "--now", str(NOW), "--format", "table")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.decode() == (DATA / "small_faults.golden.txt").read_text(encoding="utf-8")


def test_cli_unknown_format_is_a_usage_error(run_cli: RunCli) -> None:
    proc = run_cli("plan", str(SNAPSHOT), "--format", "yaml")
    assert proc.returncode == 2 and proc.stdout == b"" and b"usage: npusched" in proc.stderr


def test_cli_format_table_keeps_bad_input_an_error(run_cli: RunCli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    proc = run_cli("plan", str(bad), "--format", "table")
    assert proc.returncode == 2 and proc.stdout == b""
