"""Properties through the bindings, on clusters Hypothesis draws: a seeded
synthetic cluster, pending pods and gangs on top, chips reported broken.

Whatever is drawn: no chip is given twice, nor one a running pod holds or one
reported unhealthy; gangs are all-or-nothing; the answer does not depend on
the order of the List's items or of any object's keys; the fault state
survives its JSON form; the live model fed the items as events answers like
the one-shot call. Runs are derandomized, so CI sees the same examples every
time."""

from __future__ import annotations

import json
import random
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import npusched
from npusched import _core, simulate

NOW = 1_700_000_000
_NPU = "huawei.com/Ascend910"

_settings = settings(derandomize=True, database=None, deadline=None, max_examples=150,
                     suppress_health_check=[HealthCheck.too_slow])

_TYPES = ["module-910b-8", "module-a3-16"]


def _pending_pod(name: str, npus: int, accelerator: str | None, group: str | None) -> dict[str, Any]:
    md: dict[str, Any] = {"name": name, "namespace": "prop", "uid": f"uid-{name}",
                          "creationTimestamp": "2024-01-01T00:00:00Z", "annotations": {}}
    if group:
        md["annotations"]["scheduling.k8s.io/group-name"] = group
    spec: dict[str, Any] = {"schedulerName": "volcano", "containers": [
        {"name": "main", "resources": {"requests": {_NPU: str(npus)}, "limits": {_NPU: str(npus)}}}]}
    if accelerator:
        spec["nodeSelector"] = {"accelerator-type": accelerator}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": md, "spec": spec, "status": {"phase": "Pending"}}


def _podgroup(name: str, min_member: int) -> dict[str, Any]:
    return {"apiVersion": "scheduling.volcano.sh/v1beta1", "kind": "PodGroup",
            "metadata": {"name": name, "namespace": "prop", "uid": f"uid-pg-{name}"},
            "spec": {"minMember": min_member}, "status": {"phase": "Pending"}}


@st.composite
def clusters(draw: st.DrawFn) -> tuple[dict[str, Any], set[tuple[str, str]]]:
    """A List and the (node, chip) pairs reported unhealthy in it."""
    snapshot = json.loads(_core.synthetic_snapshot_json(draw(st.integers(3, 16)), draw(st.integers(1, 10_000))))
    nodes = sorted(i["metadata"]["name"] for i in snapshot["items"] if i["kind"] == "Node")
    broken: set[tuple[str, str]] = set()
    for node, chip in draw(st.lists(st.tuples(st.sampled_from(nodes), st.integers(0, 15)), max_size=6)):
        snapshot = simulate.inject_chip_fault(snapshot, node, chip, NOW - 10)
        broken.add((node, f"Ascend910-{chip}"))
    groups = draw(st.lists(st.integers(0, 3), min_size=0, max_size=3))  # minMember of each gang
    for g, min_member in enumerate(groups):
        snapshot["items"].append(_podgroup(f"gang-{g}", min_member))
    for p in range(draw(st.integers(1, 12))):
        npus = draw(st.sampled_from([1, 2, 4, 8, 16]))
        accelerator = draw(st.sampled_from([*_TYPES, None]))
        group = draw(st.sampled_from([None, *(f"gang-{g}" for g in range(len(groups)))]))
        snapshot["items"].append(_pending_pod(f"pend-{p}", npus, accelerator, group))
    return snapshot, broken


def _held_chips(snapshot: dict[str, Any]) -> set[tuple[str, str]]:
    held = set()
    for item in snapshot["items"]:
        node = item.get("spec", {}).get("nodeName")
        chips = item["metadata"].get("annotations", {}).get(_NPU, "")
        if item["kind"] == "Pod" and node:
            held |= {(node, c) for c in chips.split(",") if c}
    return held


def _shuffled_keys(value: Any, rng: random.Random) -> Any:
    if isinstance(value, dict):
        keys = list(value)
        rng.shuffle(keys)
        return {k: _shuffled_keys(value[k], rng) for k in keys}
    if isinstance(value, list):
        return [_shuffled_keys(v, rng) for v in value]
    return value


def _reordered(snapshot: dict[str, Any], seed: int) -> str:
    rng = random.Random(seed)
    items = list(snapshot["items"])
    rng.shuffle(items)
    return json.dumps(_shuffled_keys({**snapshot, "items": items}, rng))


@_settings
@given(clusters())
def test_no_chip_is_given_twice_held_or_broken(drawn: tuple[dict[str, Any], set[tuple[str, str]]]) -> None:
    snapshot, broken = drawn
    held = _held_chips(snapshot)
    given_chips: set[tuple[str, str]] = set()
    for b in npusched.plan(snapshot, now=NOW)["bindings"]:
        chips = [(b["node"], c) for c in b["annotations"][_NPU].split(",")]
        for pair in chips:
            assert pair not in given_chips, f"{pair} given twice"
            assert pair not in held, f"{pair} is held by a running pod"
            assert pair not in broken, f"{pair} is reported unhealthy"
            given_chips.add(pair)


@_settings
@given(clusters())
def test_gangs_are_all_or_nothing(drawn: tuple[dict[str, Any], set[tuple[str, str]]]) -> None:
    snapshot, _ = drawn
    result = npusched.plan(snapshot, now=NOW)
    bound = {b["pod"] for b in result["bindings"]}
    members: dict[str, list[str]] = {}
    for item in snapshot["items"]:
        group = item["metadata"].get("annotations", {}).get("scheduling.k8s.io/group-name")
        if item["kind"] == "Pod" and group:
            members.setdefault(f"prop/{group}", []).append(f"prop/{item['metadata']['name']}")
    for gang in result["gangs"]:
        if gang["group"] not in members:
            continue
        placed = [p for p in members[gang["group"]] if p in bound]
        event("gang admitted" if gang["admitted"] else "gang refused")
        assert len(placed) == gang["placed"], gang
        if gang["admitted"]:
            assert gang["running"] + len(placed) >= gang["min_available"], gang
        else:
            assert placed == [], gang


@_settings
@given(clusters(), st.integers(0, 2**32))
def test_answers_do_not_depend_on_item_or_key_order(drawn: tuple[dict[str, Any], set[tuple[str, str]]],
                                                     seed: int) -> None:
    snapshot, _ = drawn
    text = json.dumps(snapshot)
    shuffled = _reordered(snapshot, seed)
    first = json.dumps(npusched.plan(text, now=NOW))
    assert json.dumps(npusched.plan(text, now=NOW)) == first
    assert json.dumps(npusched.plan(shuffled, now=NOW)) == first
    assert json.dumps(npusched.faults(shuffled, now=NOW)) == json.dumps(npusched.faults(text, now=NOW))


def _running_in_gang(snapshot: dict[str, Any]) -> dict[str, Any]:
    """The snapshot after its plan is bound, with every gang marked for
    forced fault rescheduling, so broken chips under it make fault jobs."""
    bound = simulate.bind(snapshot, npusched.plan(snapshot, now=NOW))
    for item in bound["items"]:
        if item["kind"] == "PodGroup":
            item["metadata"].setdefault("labels", {})["fault-scheduling"] = "force"
    return bound


@_settings
@given(clusters(), st.data())
def test_fault_state_survives_its_json_form(drawn: tuple[dict[str, Any], set[tuple[str, str]]],
                                            data: st.DataObject) -> None:
    snapshot, _ = drawn
    running = _running_in_gang(snapshot)
    in_gangs = {"items": [i for i in running["items"]
                          if i["metadata"].get("annotations", {}).get("scheduling.k8s.io/group-name")]}
    used = sorted(_held_chips(in_gangs))
    if used:  # break a chip a gang member was just given
        node, chip = data.draw(st.sampled_from(used))
        running = simulate.inject_chip_fault(running, node, int(chip.rsplit("-", 1)[1]), NOW)
    first = npusched.faults(running, now=NOW + 1)
    state = first["state"]
    event("state holds a round" if state["jobs"] else "state empty")
    text = json.dumps(_shuffled_keys(state, random.Random(len(used))))
    assert json.loads(json.dumps(state)) == state
    again = npusched.faults(running, text, NOW + 2)
    assert again == npusched.faults(running, state, NOW + 2)
    assert again["state"] == npusched.faults(running, json.dumps(state), NOW + 2)["state"]


@_settings
@given(clusters(), st.randoms(use_true_random=False))
def test_live_model_fed_the_items_answers_like_one_shot(drawn: tuple[dict[str, Any], set[tuple[str, str]]],
                                                        rng: random.Random) -> None:
    snapshot, _ = drawn
    items = list(snapshot["items"])
    rng.shuffle(items)
    cluster = npusched.Cluster()
    cluster.apply_many({"type": "ADDED", "object": item} for item in items)
    assert cluster.plan(now=NOW) == npusched.plan(snapshot, now=NOW)
    assert cluster.faults(now=NOW) == npusched.faults(snapshot, now=NOW)
