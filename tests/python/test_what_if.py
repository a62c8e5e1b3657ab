"""Planning OME services before they exist: `plan(add=...)`, `--add`, the
`inference_services` and `warnings` sections, on the serving demo's
synthetic Atlas 800I A2 + Atlas 900 A3 SuperPoD cluster."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import npusched
import pytest
from npusched import _core, _demo

from conftest import RunCli

@pytest.fixture
def cluster() -> dict[str, Any]:
    return json.loads(_core.serving_demo_snapshot_json())


@pytest.fixture(scope="module")
def docs() -> list[str]:
    return _demo.documents()


def _service(result: dict[str, Any], name: str) -> dict[str, Any]:
    return next(s for s in result["inference_services"] if s["service"] == name)


def _role(service: dict[str, Any], role: str) -> dict[str, Any]:
    return next(r for r in service["roles"] if r["role"] == role)


def test_both_services_are_admitted_with_every_role(cluster: dict[str, Any], docs: list[str], now: int) -> None:
    result = npusched.plan(cluster, now=now, add=docs)
    assert [s["service"] for s in result["inference_services"]] == ["serving/llama-pd-a2", "serving/llama-pd-sp"]
    for service in result["inference_services"]:
        assert service["admitted"], service
        assert [r["role"] for r in service["roles"]] == ["prefill", "decode", "router"]
    assert result["warnings"] == []


def test_lws_decode_instances_land_whole_inside_one_logical_super_node(
    cluster: dict[str, Any], docs: list[str], now: int
) -> None:
    result = npusched.plan(cluster, now=now, add=docs)
    decode = _role(_service(result, "serving/llama-pd-sp"), "decode")
    assert decode["workload_kind"] == "LeaderWorkerSet" and decode["group_size"] == 2
    assert len(decode["instances"]) == 2
    nodes: set[str] = set()
    for instance in decode["instances"]:
        pods = instance["pods"]
        assert instance["admitted"] and len(pods) == 2
        assert all(p["placed"] and len(p["chips"]) == 16 for p in pods)
        # One logical super-node, in one physical super-pod, ranks 0 and 1.
        assert len({p["logical_super_node"] for p in pods}) == 1
        assert len({p["super_pod_id"] for p in pods}) == 1
        assert sorted(p["rank"] for p in pods) == [0, 1]
        assert len({p["node"] for p in pods}) == 2
        assert not nodes & {p["node"] for p in pods}  # two instances, two blocks of their own
        nodes |= {p["node"] for p in pods}


def test_an_lws_instance_is_all_or_nothing(cluster: dict[str, Any], docs: list[str], now: int) -> None:
    # Leave one free SuperPoD node: the prefill instances and decode groups of
    # the SuperPoD service cannot all fit, and no decode group is half placed.
    for item in cluster["items"]:
        if item["kind"] == "Node" and item["metadata"]["name"].startswith("sp") and item["metadata"]["name"] != "sp1-node-8":
            item["spec"]["unschedulable"] = True
    result = npusched.plan(cluster, now=now, add=docs)
    service = _service(result, "serving/llama-pd-sp")
    assert not service["admitted"]
    for instance in _role(service, "decode")["instances"]:
        assert not any(p["placed"] for p in instance["pods"])
        assert instance["reason"] and instance["message"]


def test_the_router_goes_to_a_cpu_only_node(cluster: dict[str, Any], docs: list[str], now: int) -> None:
    result = npusched.plan(cluster, now=now, add=docs)
    for name in ("serving/llama-pd-a2", "serving/llama-pd-sp"):
        (instance,) = _role(_service(result, name), "router")["instances"]
        (pod,) = instance["pods"]
        assert pod["placed"] and pod["node"].startswith("cpu-node-") and pod["chips"] == []


def test_the_snapshot_is_not_changed_and_output_is_deterministic(
    cluster: dict[str, Any], docs: list[str], now: int
) -> None:
    before = copy.deepcopy(cluster)
    a = json.dumps(npusched.plan(cluster, now=now, add=docs))
    assert json.dumps(npusched.plan(cluster, now=now, add=docs)) == a
    assert cluster == before
    assert "inference_services" not in npusched.plan(cluster, now=now)
    # Document order changes only the names of the sources, not a decision.
    reordered = npusched.plan(cluster, now=now, add=list(reversed(docs)))
    assert reordered["bindings"] == json.loads(a)["bindings"]


def test_add_accepts_paths_text_and_dicts(cluster: dict[str, Any], docs: list[str], tmp_path: Path, now: int) -> None:
    paths = []
    for i, text in enumerate(docs):
        path = tmp_path / f"doc{i}.yaml"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    by_text = npusched.plan(cluster, now=now, add=docs)
    by_path = npusched.plan(cluster, now=now, add=paths)
    by_str_path = npusched.plan(cluster, now=now, add=[str(p) for p in paths])
    by_dict = npusched.plan(cluster, now=now, add=npusched.expand(docs)["applied"])
    for other in (by_path, by_str_path, by_dict):
        assert other["bindings"] == by_text["bindings"]
        assert [s["admitted"] for s in other["inference_services"]] == [True, True]


def test_bad_documents_are_invalid_input(cluster: dict[str, Any], docs: list[str], now: int, tmp_path: Path) -> None:
    with pytest.raises(npusched.InvalidInput, match="cannot read"):
        npusched.plan(cluster, now=now, add=[tmp_path / "missing.yaml"])
    with pytest.raises(npusched.InvalidInput):
        npusched.plan(cluster, now=now, add=["kind: InferenceService\nmetadata: {name: x}\n"])
    with pytest.raises(npusched.InvalidInput, match="expected a path"):
        npusched.plan(cluster, now=now, add=[3.5])


def test_cli_add(run_cli: RunCli, cluster: dict[str, Any], docs: list[str], tmp_path: Path, now: int) -> None:
    snapshot = tmp_path / "cluster.json"
    snapshot.write_text(json.dumps(cluster), encoding="utf-8")
    args = ["plan", str(snapshot), "--now", str(now)]
    for i, text in enumerate(docs):
        path = tmp_path / f"doc{i}.yaml"
        path.write_text(text, encoding="utf-8")
        args += ["--add", str(path)]
    proc = run_cli(*args)
    assert proc.returncode == 0, proc.stderr
    paths = [Path(a) for a in args[5::2]]
    assert json.loads(proc.stdout) == npusched.plan(cluster, now=now, add=paths)
    bad = run_cli("plan", str(snapshot), "--add", str(tmp_path / "nope.yaml"))
    assert bad.returncode == 2 and bad.stdout == b"" and b"cannot read" in bad.stderr


def test_ome_render_prints_yaml_documents(run_cli: RunCli, docs: list[str], tmp_path: Path) -> None:
    paths = []
    for i, text in enumerate(docs):
        path = tmp_path / f"doc{i}.yaml"
        path.write_text(text, encoding="utf-8")
        paths.append(str(path))
    proc = run_cli("ome", "render", *paths)
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout.decode()
    assert "kind: LeaderWorkerSet" in text and "kind: PodGroup" in text and "\n---\n" in text
    as_json = run_cli("ome", "render", *paths, "--format", "json")
    assert as_json.returncode == 0, as_json.stderr
    expansion = json.loads(as_json.stdout)
    assert expansion == npusched.expand([Path(p) for p in paths])
    assert {o["kind"] for o in expansion["objects"]} >= {"Deployment", "LeaderWorkerSet", "Pod", "PodGroup"}


def test_explain_and_show_take_the_same_documents(cluster: dict[str, Any], docs: list[str], now: int) -> None:
    explanation = npusched.explain(cluster, service="serving/llama-pd-sp", now=now, add=docs)
    assert explanation["target"]["status"] == "pending"
    placed = {b["pod"]: b["node"] for b in npusched.plan(cluster, now=now, add=docs)["bindings"]}
    for pod in explanation["pods"]:
        assert pod["placed"] and pod["node"] == placed[pod["pod"]]
    svg = npusched.show(cluster, add=docs)
    planned = svg.count('data-state="planned"')
    assert planned == sum(len(b["chips"]) for b in npusched.plan(cluster, now=now, add=docs)["bindings"])


def test_explain_table_of_a_service_that_does_not_fit(cluster: dict[str, Any], docs: list[str], now: int) -> None:
    for item in cluster["items"]:
        if item["kind"] == "Node" and item["metadata"]["name"].startswith("sp"):
            item["metadata"].setdefault("labels", {}).pop("models.ome.io/clusterbasemodel.llama-3-2-1b-instruct")
    explanation = npusched.explain(cluster, service="serving/llama-pd-sp", now=now, add=docs)
    missing = [s for s in explanation["suggestions"] if s["code"] == "missing_label"]
    model = [s for s in missing if s["label_key"] == "models.ome.io/clusterbasemodel.llama-3-2-1b-instruct"]
    assert model, explanation["suggestions"]
    assert "no node with accelerator-type=module-a3-16-super-pod carries label" in model[0]["message"]
    from npusched import _format

    text = _format.explain_table(explanation)
    assert "not placed" in text and "What would make it fit" in text
