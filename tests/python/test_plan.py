"""npusched.plan: every input form goes through the one C++ decoder."""

from __future__ import annotations

import copy
import json
import random
import time
from typing import Any

import npusched
import pytest
from npusched import _core


def test_plan_returns_the_adapters_output_parsed(demo_text: str, now: int) -> None:
    result = npusched.plan(demo_text, now=now)
    assert result == json.loads(_core.plan_json(demo_text, now))
    assert list(result) == ["bindings", "unschedulable", "excluded_nodes", "super_pod_jobs", "gangs", "summary"]


def test_dict_str_and_bytes_give_the_same_plan(demo: dict[str, Any], demo_text: str, now: int) -> None:
    from_dict = npusched.plan(demo, now=now)
    assert npusched.plan(demo_text, now=now) == from_dict
    assert npusched.plan(demo_text.encode(), now=now) == from_dict
    assert npusched.plan(bytearray(demo_text.encode()), now=now) == from_dict
    assert npusched.plan(b"\xef\xbb\xbf" + demo_text.encode(), now=now) == from_dict  # UTF-8 BOM


def test_demo_plan_places_and_refuses_as_the_story_says(demo: dict[str, Any], now: int) -> None:
    result = npusched.plan(demo, now=now)
    placed = {b["pod"]: b for b in result["bindings"]}
    refused = {u["pod"]: u["reason"] for u in result["unschedulable"]}
    assert placed["serving/llama-decode-0"]["node"] == "a2-node-1"
    assert placed["serving/llama-prefill-0"]["node"] == "a2-node-2"
    assert placed["serving/a3-decode-0"]["chips"] == [f"Ascend910-{i}" for i in range(16)]
    assert refused == {
        "serving/a3-odd-0": "invalid_request",
        "serving/a3-prefill-0": "topology_mismatch",
        "serving/llama-prefill-1": "insufficient_npu",
        **{f"serving/sglang-decode-c-{r}": "superpod_capacity" for r in range(4)},
    }
    # The SGLang decode instance: ranks 0-1 and 2-3 in two logical super-nodes of super-pod 0.
    for rank in range(4):
        ann = placed[f"serving/sglang-decode-b-{rank}"]["annotations"]
        assert ann["super-pod-rank"] == str(rank // 2)
        assert ann["super-pod-id"] == "0"
    jobs = {j["group"]: j for j in result["super_pod_jobs"]}
    assert [b["nodes"] for b in jobs["serving/sglang-decode-b"]["blocks"]] == [
        ["sp0-node-1", "sp0-node-2"],
        ["sp0-node-3", "sp0-node-4"],
    ]
    assert jobs["serving/sglang-decode-c"]["placed"] is False
    for b in result["bindings"]:
        if b["chips"]:
            assert b["annotations"]["huawei.com/Ascend910"] == ",".join(b["chips"])


def test_now_sets_predicate_time(demo: dict[str, Any]) -> None:
    result = npusched.plan(demo, now=1_234_567_890)
    times = [int(b["annotations"]["predicate-time"]) for b in result["bindings"] if b["chips"]]
    assert times and all(t // 10**9 == 1_234_567_890 for t in times)


def test_now_defaults_to_the_current_time(demo: dict[str, Any]) -> None:
    before = int(time.time())
    result = npusched.plan(demo)
    after = int(time.time())
    times = [int(b["annotations"]["predicate-time"]) // 10**9 for b in result["bindings"] if b["chips"]]
    assert times and all(before <= t <= after for t in times)


def test_scheduler_name_selects_the_pending_pods(demo: dict[str, Any], now: int) -> None:
    result = npusched.plan(demo, now=now, scheduler_name="default-scheduler")
    assert result["bindings"] == [] and result["unschedulable"] == []


def test_same_input_gives_identical_output(demo: dict[str, Any], demo_text: str, now: int) -> None:
    first = _core.plan_json(demo_text, now)
    assert _core.plan_json(demo_text, now) == first
    assert npusched.plan(demo, now=now) == npusched.plan(copy.deepcopy(demo), now=now)


def test_item_order_does_not_change_the_plan(demo: dict[str, Any], demo_text: str, now: int) -> None:
    want = _core.plan_json(demo_text, now)
    rng = random.Random(20240501)
    for _ in range(3):
        shuffled = copy.deepcopy(demo)
        rng.shuffle(shuffled["items"])
        assert json.dumps(npusched.plan(shuffled, now=now), separators=(",", ":")) == want


def test_excluded_nodes_are_reported(demo: dict[str, Any], now: int) -> None:
    node = next(i for i in demo["items"] if i["kind"] == "Node" and i["metadata"]["name"] == "a3-node-2")
    del node["metadata"]["labels"]["accelerator-type"]
    excluded = npusched.plan(demo, now=now)["excluded_nodes"]
    assert [e["node"] for e in excluded] == ["a3-node-2"]
    assert excluded[0]["reason"] and excluded[0]["message"]


def test_demo_snapshot_is_a_kubernetes_list(demo: dict[str, Any]) -> None:
    assert demo["kind"] == "List"
    assert {i["kind"] for i in demo["items"]} >= {"Node", "Pod", "ConfigMap"}


def test_version_is_the_distribution_version() -> None:
    from importlib.metadata import version

    assert npusched.__version__ == version("npusched") == _core.version()


# --- bad input ---------------------------------------------------------------


def _raises_invalid(snapshot: Any, **kwargs: Any) -> str:
    with pytest.raises(npusched.InvalidInput) as info:
        npusched.plan(snapshot, **kwargs)
    assert isinstance(info.value, npusched.Error) and isinstance(info.value, ValueError)
    message = str(info.value)
    assert message and "\n" not in message
    return message


@pytest.mark.parametrize("text", ["", "{", "{bad json}", '{"items": [}', "nul"])
def test_malformed_json_is_invalid_input(text: str) -> None:
    assert "JSON" in _raises_invalid(text)


def test_malformed_json_bytes_is_invalid_input() -> None:
    assert "JSON" in _raises_invalid(b'{"items": [1, 2,]}')


@pytest.mark.parametrize("doc", ["[]", '"a string"', "{}", '{"items": 3}'])
def test_document_that_is_not_a_list_is_invalid_input(doc: str) -> None:
    _raises_invalid(doc)


def test_item_without_name_names_the_field(demo: dict[str, Any], now: int) -> None:
    index = next(i for i, item in enumerate(demo["items"]) if item["kind"] == "Pod")
    del demo["items"][index]["metadata"]["name"]
    message = _raises_invalid(demo, now=now)
    assert message.startswith(f"items[{index}].metadata.name")
    assert "missing" in message


def test_item_without_metadata_names_the_field(now: int) -> None:
    message = _raises_invalid({"kind": "List", "items": [{"kind": "Node"}]}, now=now)
    assert "items[0].metadata.name" in message


def test_error_is_the_same_from_text_and_dict(now: int) -> None:
    doc: dict[str, Any] = {"kind": "List", "items": [{"kind": "Pod", "metadata": {}}]}
    assert _raises_invalid(doc, now=now) == _raises_invalid(json.dumps(doc), now=now)


def test_value_that_is_not_json_names_the_field(demo: dict[str, Any]) -> None:
    demo["items"][0]["metadata"]["labels"]["bad"] = {1, 2}
    message = _raises_invalid(demo)
    assert "items[0].metadata.labels.bad" in message and "set" in message


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_non_finite_number_is_invalid_input(demo: dict[str, Any], value: float) -> None:
    demo["items"][0]["spec"]["weight"] = value
    _raises_invalid(demo)


def test_non_string_key_is_invalid_input(demo: dict[str, Any]) -> None:
    demo["items"][0]["metadata"]["labels"][3] = "x"
    assert "items[0].metadata.labels" in _raises_invalid(demo)


@pytest.mark.parametrize("snapshot", [None, 42, 4.2, object()])
def test_unsupported_snapshot_type_is_invalid_input(snapshot: Any) -> None:
    assert "snapshot" in _raises_invalid(snapshot)


def test_bytes_that_are_not_utf8_are_invalid_input() -> None:
    assert "UTF-8" in _raises_invalid(b'{"items": ["\xff"]}')


@pytest.mark.parametrize("bad_now", [-1, 2**62, "1700000000", 1.5, True])
def test_bad_now_is_invalid_input(demo_text: str, bad_now: Any) -> None:
    assert "now" in _raises_invalid(demo_text, now=bad_now)


def test_bad_scheduler_name_is_invalid_input(demo_text: str) -> None:
    assert "scheduler_name" in _raises_invalid(demo_text, scheduler_name=None)


def test_core_raises_invalid_input_itself(now: int) -> None:
    # The extension maps decode errors at the boundary: no wrapper needed.
    with pytest.raises(npusched.InvalidInput, match=r"^items: missing$"):
        _core.plan_json("{}", now)


def test_invalid_input_pickles() -> None:
    import pickle

    err = pickle.loads(pickle.dumps(npusched.InvalidInput("items[0].kind: missing")))
    assert type(err) is npusched.InvalidInput and str(err) == "items[0].kind: missing"


def _names(result: dict[str, Any]) -> list[str]:
    return [b["pod"] for b in result["bindings"]] + [u["pod"] for u in result["unschedulable"]]


def test_a_list_of_lists_is_concatenated(demo: dict[str, Any], now: int) -> None:
    nodes = {"kind": "NodeList", "items": [i for i in demo["items"] if i["kind"] == "Node"]}
    rest = [i for i in demo["items"] if i["kind"] != "Node"]
    assert npusched.plan([nodes, rest], now=now) == npusched.plan(demo, now=now)


def test_super_pod_parameters_override_init_params(demo: dict[str, Any], now: int) -> None:
    def phases(result: dict[str, Any]) -> dict[str, int]:
        jobs = {j["group"]: j for j in result["super_pod_jobs"]}
        out: dict[str, int] = jobs["serving/sglang-prefill-b"]["phases"]
        return out

    # Default reserve (2): the prefill instance fits above super-pod 1's reserve.
    assert phases(npusched.plan(demo, now=now)) == {
        "best_fit": 1, "bigger": 0, "reserve": 0, "soft_filler": 0, "infer_service": 0
    }
    # With a reserve of 4 nothing is left above any reserve: it dips into one.
    assert phases(npusched.plan(demo, now=now, reserve_nodes=4))["reserve"] == 1
    for bad in ("2", 2.0, True, 2**40):
        with pytest.raises(npusched.InvalidInput, match="reserve_nodes"):
            npusched.plan(demo, now=now, reserve_nodes=bad)


def test_what_if_extra_objects(demo: dict[str, Any], now: int) -> None:
    """Would one more SGLang prefill instance (2 nodes, sp-block 32) fit, and where?"""
    before = npusched.plan(demo, now=now)
    group = {
        "apiVersion": "scheduling.volcano.sh/v1beta1",
        "kind": "PodGroup",
        "metadata": {"name": "sglang-prefill-c", "namespace": "serving", "annotations": {"sp-block": "32"}},
        "spec": {"minMember": 2},
    }
    pods = []
    for rank in range(2):
        pod = copy.deepcopy(next(i for i in demo["items"] if i["metadata"]["name"] == "sglang-prefill-b-0"))
        pod["metadata"]["name"] = f"sglang-prefill-c-{rank}"
        pod["metadata"]["uid"] = f"uid-prefill-c-{rank}"
        pod["metadata"]["annotations"] = {"scheduling.k8s.io/group-name": "sglang-prefill-c", "hccl/rankIndex": str(rank)}
        pod["metadata"]["creationTimestamp"] = "2030-01-01T00:00:00Z"  # after everything else
        pods.append(pod)
    what_if = npusched.plan(demo, now=now, extra_objects=[group, *pods])
    gangs = {g["group"]: g for g in what_if["gangs"]}
    assert "serving/sglang-prefill-c" in gangs
    # The snapshot itself did not change: the same call without extras gives the old plan.
    assert npusched.plan(demo, now=now) == before
    # Existing pods are planned exactly as before; the new ones are extra.
    new = {b["pod"]: b for b in what_if["bindings"] if b["pod"] not in {x["pod"] for x in before["bindings"]}}
    assert sorted(new) == ["serving/sglang-prefill-c-0", "serving/sglang-prefill-c-1"]
    # Only super-pod 1 still has a whole block of 2 (dipping into its reserve).
    assert {b["annotations"]["super-pod-id"] for b in new.values()} == {"1"}
    assert gangs["serving/sglang-prefill-c"]["admitted"] is True
    # A name that exists already is bad input, named by its position and the object.
    with pytest.raises(npusched.InvalidInput, match=r"^Pod serving/\S+ \(extra_objects\[0\]\): metadata\.name: ") as e:
        npusched.plan(demo, now=now, extra_objects=[demo["items"][-1]])
    assert (e.value.code, e.value.path) == ("duplicate", "extra_objects[0].metadata.name")
