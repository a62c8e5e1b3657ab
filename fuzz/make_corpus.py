#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets (docs/fuzzing.md) from the test data.

    fuzz/make_corpus.py OUT_DIR

OUT_DIR/<target>/ gets one file per seed: the snapshots of tests/data/k8s,
the inputs of the bad-input catalogue (by what they are given as), the
ConfigMap payloads found in the snapshots, the OME documents of
tests/data/ome, and a few small payloads of the shapes the readers take.
Targets that read a mode byte first (see fuzz/target_*.cpp) get each seed
once per mode. Deterministic: the same test data gives the same files.
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data"
sys.path.insert(0, str(REPO / "tests" / "python"))
from catalogue_inputs import CATALOGUE, input_bytes  # noqa: E402

FAULT_KEY = "huawei.com/Ascend910-Fault"
# Larger inputs (the catalogue's size cases) only slow the fuzzer down.
MAX_SEED_BYTES = 256 << 10


def snapshots() -> list[bytes]:
    return [p.read_bytes() for p in sorted((DATA / "k8s").glob("*.json"))]


def catalogue(given_as: str) -> list[bytes]:
    return [input_bytes(c) for c in CATALOGUE["cases"] if c.get("input", "snapshot") == given_as]


def configmap_data(kind_of: Callable[[str, str, str], bool]) -> list[str]:
    """The data values of the snapshots' ConfigMaps that `kind_of(ns, name, key)` selects."""
    out = []
    for text in snapshots():
        for item in json.loads(text).get("items", []):
            if item.get("kind") != "ConfigMap":
                continue
            md = item.get("metadata", {})
            for key, value in (item.get("data") or {}).items():
                if kind_of(md.get("namespace", ""), md.get("name", ""), key):
                    out.append(value)
    return out


def device_info_cfgs() -> list[str]:
    return configmap_data(lambda ns, name, key: ns == "kube-system" and key == "DeviceInfoCfg")


def clusterd_device_shards() -> list[str]:
    return configmap_data(lambda ns, name, key: ns == "mindx-dl" and name.startswith("cluster-info-device-")
                          and key == name)


def fault_lists() -> list[str]:
    lists = []
    for cfg in device_info_cfgs():
        lists.append(json.loads(cfg)["DeviceInfo"]["DeviceList"].get(FAULT_KEY, "[]"))
    for shard in clusterd_device_shards():
        for record in json.loads(shard).values():
            lists.append(record.get("DeviceList", {}).get(FAULT_KEY, "[]"))
    lists.append(json.dumps([{"fault_type": "CardNetworkUnhealthy", "npu_name": "Ascend910-0",
                              "large_model_fault_level": "SeparateNPU", "fault_level": "SeparateNPU",
                              "fault_handling": "SeparateNPU", "fault_code": "80E01801,80C98009",
                              "fault_time_and_level_map": {"80E01801": {"fault_time": 1722845555,
                                                                        "fault_level": "SeparateNPU"}}}]))
    return lists


NODE_INFO = {"FaultDevList": [{"DeviceType": "CPU", "DeviceId": 1, "FaultCode": ["00000011"],
                               "FaultLevel": "SeparateFault"}], "NodeStatus": "Healthy"}
SWITCH_RECORD = {"FaultCode": ["000001c1"], "FaultLevel": "Separate", "UpdateTime": 1000, "NodeStatus": "UnHealthy",
                 "FaultTimeAndLevelMap": {"000001c1": {"fault_time": 1722845555, "fault_level": "Separate"}}}


def dumps(value: object) -> str:
    return json.dumps(value, separators=(",", ":"))


def scheduler_confs() -> list[str]:
    confs = configmap_data(lambda ns, name, key: key == "volcano-scheduler.conf")
    confs.append('actions: "enqueue, allocate, backfill"\nconfigurations:\n  - name: init-params\n    arguments:\n'
                 '      super-pod-size: "32"\n      reserve-nodes: "1"\n      useClusterInfoManager: "false"\n'
                 '      grace-over-time: "60"\n')
    return confs


def corpora() -> dict[str, list[tuple[int | None, bytes]]]:
    """target → (mode byte or None, payload) seeds."""
    enc = str.encode
    shards = clusterd_device_shards()
    node_shard = dumps({"mindx-dl-nodeinfo-n0": {**NODE_INFO, "CmName": "mindx-dl-nodeinfo-n0", "UpdateTime": 1000}})
    switch_shard = dumps({"mindx-dl-switchinfo-n0": SWITCH_RECORD})
    lists = snapshots() + catalogue("snapshot")
    return {
        "snapshot": [(None, t) for t in lists],
        "plan_faults": [(m, t) for t in lists for m in (0x00, 0x15, 0x33)],
        "device_info": [(1, enc(c)) for c in device_info_cfgs()]
        + [(0, enc(dumps(json.loads(c)["DeviceInfo"]))) for c in device_info_cfgs()],
        "fault_list": [(None, enc(f)) for f in fault_lists()],
        "node_info": [(0, enc(dumps(NODE_INFO))), (1, enc(dumps({"NodeInfo": NODE_INFO, "CheckCode": "0" * 64}))),
                      (2, enc(node_shard))],
        "cluster_info": [(None, enc(s)) for s in shards],
        "switch_info": [(0, enc(dumps(SWITCH_RECORD))), (1, enc(switch_shard))],
        "fault_state": [(None, enc(dumps(CATALOGUE["bases"]["state"])))] + [(None, t) for t in catalogue("state")],
        "init_params": [(None, enc(c)) for c in scheduler_confs()],
        "ome": [(None, p.read_bytes()) for p in sorted((DATA / "ome").glob("*.yaml"))]
        + [(None, t) for t in catalogue("add")],
        # Choices of the live world, one byte each: a few fixed pseudo-random runs.
        "live_events": [(m, random.Random(seed).randbytes(200)) for seed in range(8) for m in (0, 1)],
    }


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = Path(sys.argv[1])
    for target, seeds in corpora().items():
        d = out / target
        d.mkdir(parents=True, exist_ok=True)
        for mode, payload in seeds:
            if len(payload) > MAX_SEED_BYTES:
                continue
            data = payload if mode is None else bytes([mode]) + payload
            (d / hashlib.sha1(data).hexdigest()).write_bytes(data)
        print(f"{target}: {len(list(d.iterdir()))} seeds")


if __name__ == "__main__":
    main()
