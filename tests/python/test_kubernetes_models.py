"""npusched.plan accepts `kubernetes` client model objects and serialises them
the way ApiClient.sanitize_for_serialization does, without importing the
kubernetes package itself."""

from __future__ import annotations

import datetime as dt
import inspect
import json
import subprocess
import sys
from typing import Any

import npusched
import pytest

kubernetes = pytest.importorskip("kubernetes")
from kubernetes import client  # noqa: E402


class _Response:
    """What older ApiClient.deserialize reads: an HTTP response's JSON body."""

    def __init__(self, body: Any) -> None:
        self.data = json.dumps(body)


def _deserialize(api: Any, body: dict[str, Any], klass: str) -> Any:
    # Newer clients take the response text and its content type, older ones
    # an object with the text in `.data`.
    if "content_type" in inspect.signature(api.deserialize).parameters:
        return api.deserialize(json.dumps(body), klass, "application/json")
    return api.deserialize(_Response(body), klass)


_MODEL = {"Node": "V1Node", "Pod": "V1Pod", "ConfigMap": "V1ConfigMap"}


@pytest.fixture(scope="module")
def api() -> Any:
    return client.ApiClient()


def _as_models(api: Any, items: list[dict[str, Any]]) -> list[Any]:
    """Items of the kinds the client knows, as the API server returns them in a
    typed list: model objects without `kind` and `apiVersion`."""
    out = []
    for item in items:
        body = {k: v for k, v in item.items() if k not in ("kind", "apiVersion")}
        out.append(_deserialize(api, body, _MODEL[item["kind"]]))
    return out


def _split(demo: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    kinds: dict[str, list[dict[str, Any]]] = {}
    for item in demo["items"]:
        kinds.setdefault(item["kind"], []).append(item)
    return kinds


def test_typed_lists_give_the_same_plan_as_the_dict(api: Any, demo: dict[str, Any], now: int) -> None:
    kinds = _split(demo)
    assert set(kinds) == {"Node", "Pod", "ConfigMap", "PodGroup"}, "the demo gained a kind this test must convert"
    nodes = client.V1NodeList(items=_as_models(api, kinds["Node"]))
    pods = client.V1PodList(items=_as_models(api, kinds["Pod"]))
    config_maps = client.V1ConfigMapList(items=_as_models(api, kinds["ConfigMap"]))
    assert any(p.metadata and isinstance(p.metadata.creation_timestamp, dt.datetime) for p in pods.items)
    assert all(p.kind is None for p in pods.items)
    # PodGroups are a custom resource: CustomObjectsApi returns them as a dict list.
    podgroups = {"apiVersion": "scheduling.volcano.sh/v1beta1", "kind": "PodGroupList", "items": kinds["PodGroup"]}

    assert npusched.plan([nodes, pods, config_maps, podgroups], now=now) == npusched.plan(demo, now=now)


def test_a_dict_whose_items_are_models(api: Any, demo: dict[str, Any], now: int) -> None:
    models = _as_models(api, [i for i in demo["items"] if i["kind"] in _MODEL])
    custom = [i for i in demo["items"] if i["kind"] not in _MODEL]  # PodGroups stay dicts
    doc = {"apiVersion": "v1", "kind": "List", "items": models + custom}
    assert npusched.plan(doc, now=now) == npusched.plan(demo, now=now)


def test_hand_built_models_and_timestamps_in_any_zone(api: Any, demo: dict[str, Any], now: int) -> None:
    """Pods built by hand, with creation times in +08:00 and naive UTC: the
    plan orders pods by creation time, so a wrong conversion shows."""
    kinds = _split(demo)
    rest = [i for i in demo["items"] if i["kind"] != "Pod"]
    pods = []
    for i, item in enumerate(kinds["Pod"]):
        md, spec = item["metadata"], item["spec"]
        created = None
        if "creationTimestamp" in md:
            utc = dt.datetime.strptime(md["creationTimestamp"], "%Y-%m-%dT%H:%M:%SZ")
            zone = dt.timezone(dt.timedelta(hours=8))
            created = utc if i % 2 else utc.replace(tzinfo=dt.timezone.utc).astimezone(zone)
        containers = [
            client.V1Container(
                name=c["name"],
                resources=client.V1ResourceRequirements(
                    requests=c["resources"].get("requests"), limits=c["resources"].get("limits")
                ),
            )
            for c in spec["containers"]
        ]
        pods.append(
            client.V1Pod(
                api_version="v1",
                kind="Pod",
                metadata=client.V1ObjectMeta(
                    name=md["name"],
                    namespace=md["namespace"],
                    uid=md.get("uid"),
                    labels=md.get("labels"),
                    annotations=md.get("annotations"),
                    creation_timestamp=created,
                ),
                spec=client.V1PodSpec(
                    containers=containers,
                    node_name=spec.get("nodeName"),
                    scheduler_name=spec.get("schedulerName"),
                    priority=spec.get("priority"),
                    node_selector=spec.get("nodeSelector"),
                ),
                status=client.V1PodStatus(phase=item["status"]["phase"]),
            )
        )
    assert npusched.plan(rest + pods, now=now) == npusched.plan(demo, now=now)


def test_a_single_model_object(api: Any, now: int) -> None:
    node = client.V1Node(metadata=client.V1ObjectMeta(name="cpu-0"), status=client.V1NodeStatus())
    result = npusched.plan(node, now=now)
    assert result.pop("summary")["types"] == [
        {
            "type": "cpu-only",
            "nodes": 1,
            "usable_nodes": 0,
            "npus": 0,
            "free_npus_before": 0,
            "free_npus_after": 0,
            "unusable_nodes": ["cpu-0"],
        }
    ]
    assert result == {"bindings": [], "unschedulable": [], "excluded_nodes": [], "super_pod_jobs": [], "gangs": []}


def test_model_without_name_names_the_field(now: int) -> None:
    pod = client.V1Pod(metadata=client.V1ObjectMeta(namespace="serving"), spec=client.V1PodSpec(containers=[]))
    with pytest.raises(npusched.InvalidInput, match=r"items\[0\]\.metadata\.name: missing"):
        npusched.plan(client.V1PodList(items=[pod]), now=now)


def test_import_does_not_need_kubernetes() -> None:
    code = "import sys, npusched; npusched.plan('{\"items\": []}', now=0); print('kubernetes' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "False"
