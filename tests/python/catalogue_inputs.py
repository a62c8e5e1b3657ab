"""The inputs of the bad-input catalogue (tests/data/bad_input/catalogue.json), as bytes.

Built as tests/k8s/test_bad_input.cpp builds them. Used by test_bad_input.py
and by fuzz/make_corpus.py (the catalogue's inputs seed the fuzz corpora), so
it imports nothing but the standard library.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data"
CATALOGUE: dict[str, Any] = json.loads((DATA / "bad_input" / "catalogue.json").read_text(encoding="utf-8"))
CLUSTER = (DATA / CATALOGUE["bases"]["cluster"]).read_bytes()


def at_path(doc: Any, path: list[Any]) -> Any:
    for p in path:
        doc = doc[p]
    return doc


def input_bytes(case: dict[str, Any]) -> bytes:
    """The case's input, built as tests/k8s/test_bad_input.cpp builds it."""
    if "text" in case:
        return case["text"].encode("utf-8")
    if "hex" in case:
        return bytes.fromhex(case["hex"])
    if "generate" in case:
        g = case["generate"]
        return (g["head"] + g["repeat"] * g["times"] + g["tail"]).encode("utf-8")
    if "file" in case:
        data = (DATA / case["file"]).read_bytes()
        if "truncate" in case:
            data = data[: case["truncate"]]
        return data + case.get("append_text", "").encode("utf-8")
    doc = json.loads(json.dumps(CATALOGUE["bases"]["state"])) if case.get("state_base") else json.loads(CLUSTER)
    for path in case.get("remove", []):
        del at_path(doc, path[:-1])[path[-1]]
    for n in case.get("append_copy", []):
        doc["items"].append(json.loads(json.dumps(doc["items"][n])))
    for path in case.get("append_copy_at", []):
        at_path(doc, path[:-1]).append(json.loads(json.dumps(at_path(doc, path))))
    sets = case.get("set", [])
    for i, (path, _) in enumerate(sets):
        at_path(doc, path[:-1])[path[-1]] = f"@@RAW{i}@@"
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    for i, (_, raw) in enumerate(sets):
        text = text.replace(f'"@@RAW{i}@@"', raw, 1)
    return text.encode("utf-8")
