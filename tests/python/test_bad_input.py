"""The bad-input catalogue through the Python API and the CLI, as one table.

Every case of tests/data/bad_input/catalogue.json (the C++ API runs the same
file in tests/k8s/test_bad_input.cpp), plus the inputs only Python can give
(dicts holding NaN or lone surrogates, deep dicts, arguments of the wrong
type) and only the command line can meet (directories, /dev/zero, standard
input). An error must be npusched.InvalidInput with the case's ``.code`` and
exact ``.path``; on the command line exit code 2, one line on standard error
naming the code, nothing on standard output, in bounded time and memory.
"""

from __future__ import annotations

import json
import math
import os
import resource
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import npusched
import pytest

from catalogue_inputs import CATALOGUE, CLUSTER, at_path, input_bytes

NOW = 1_700_000_000
SECONDS = 60  # generous: the slowest case (1 GiB from /dev/zero) takes about a second
ADDRESS_SPACE = 4 << 30  # the CLI's memory in the child, /dev/zero's 1 GiB read included


def _expected(case: dict[str, Any]) -> tuple[str, str]:
    """(code, path) as the Python layer gives them: it reads bytes itself, so a
    text that is not UTF-8 is its error (``py_code``, ``py_path``)."""
    want = case["want"]
    return want.get("py_code", want["code"]), want.get("py_path", want["path"])


def _api(case: dict[str, Any]) -> dict[str, Any]:
    data = input_bytes(case)
    kind = case.get("input", "snapshot")
    if kind == "state":
        return npusched.faults(CLUSTER, state=data, now=NOW)
    if kind == "add":
        return npusched.plan(CLUSTER, now=NOW, add=[data])
    return npusched.plan(data, now=NOW, **case.get("options", {}))


def _check_verdict(case: dict[str, Any], result: dict[str, Any]) -> None:
    want = case["want"]
    if "excluded" in want:
        node, reason = want["excluded"]
        assert {"node": node, "reason": reason} in [{"node": e["node"], "reason": e["reason"]} for e in result["excluded_nodes"]]
    if "unschedulable" in want:
        pod, reason = want["unschedulable"]
        assert (pod, reason) in [(u["pod"], u["reason"]) for u in result["unschedulable"]]


def _check_error(error: npusched.InvalidInput, code: str, path: str, case: dict[str, Any]) -> None:
    assert (error.code, error.path) == (code, path), str(error)[:300]
    message = str(error)
    if "says" in case["want"]:
        assert case["want"]["says"] in message
    if "max_message" in case["want"]:
        assert len(message.encode("utf-8")) <= case["want"]["max_message"]


# Inputs only the Python API can give: (name, call, code, path).
def _cluster(**edits: Any) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(CLUSTER)
    for dotted, value in edits.items():
        path: list[Any] = [int(p) if p.isdigit() else p for p in dotted.split("__")]
        at_path(doc, path[:-1])[path[-1]] = value
    return doc


def _deep(levels: int, leaf: Any = 1) -> Any:
    value = leaf
    for _ in range(levels):
        value = {"a": value}
    return value


def _deep_list(levels: int) -> Any:
    value: Any = []
    for _ in range(levels):
        value = [value]
    return value


STATE = CATALOGUE["bases"]["state"]
A127 = "".join([".a"] * 127)
PYTHON_ONLY: list[tuple[str, Callable[[], Any], str, str]] = [
    ("dict_infinity", lambda: npusched.plan(_cluster(items__13__spec__foo=math.inf), now=NOW), "invalid_value", "items[13].spec.foo"),
    ("dict_minus_infinity", lambda: npusched.plan(_cluster(items__0__metadata__x=-math.inf), now=NOW), "invalid_value", "items[0].metadata.x"),
    ("dict_nan_label", lambda: npusched.plan(_cluster(items__0__metadata__labels__x=math.nan), now=NOW), "invalid_value", "items[0].metadata.labels.x"),
    ("dict_lone_surrogate_value", lambda: npusched.plan(_cluster(items__0__metadata__labels__x="a\ud800"), now=NOW), "invalid_value", "items[0].metadata.labels.x"),
    ("dict_lone_surrogate_in_list", lambda: npusched.plan(_cluster(items__13__spec__containers__0__args=["ok", "\udfff"]), now=NOW), "invalid_value", "items[13].spec.containers[0].args[1]"),
    ("text_lone_surrogate", lambda: npusched.plan('{"items":[],"x":"\ud800"}', now=NOW), "invalid_value", "snapshot"),
    ("dict_3000_deep", lambda: npusched.plan({"items": [], "x": _deep(3000)}, now=NOW), "limit_exceeded", "x" + A127),
    ("dict_129_deep", lambda: npusched.plan({"items": [], "x": _deep(128)}, now=NOW), "limit_exceeded", "x" + A127),
    ("list_3000_deep", lambda: npusched.plan({"items": [], "x": _deep_list(3000)}, now=NOW), "limit_exceeded", "x" + "[0]" * 127),
    ("dict_deep_inside_an_item", lambda: npusched.plan(_cluster(items__13__spec__foo=_deep(3000)), now=NOW), "limit_exceeded", "items[13].spec.foo" + "".join([".a"] * 124)),
    ("models_list_deep_item", lambda: npusched.plan([{"kind": "Pod", "x": _deep(3000)}], now=NOW), "limit_exceeded", "[0].x" + "".join([".a"] * 125)),
    ("dict_env_name_number", lambda: npusched.plan(_cluster(items__13__spec__containers__0__env=[{"name": 5}]), now=NOW), "wrong_type", "items[13].spec.containers[0].env[0].name"),
    ("dict_env_value_list", lambda: npusched.plan(_cluster(items__13__spec__containers__0__env=[{"name": "A", "value": ["1"]}]), now=NOW), "wrong_type", "items[13].spec.containers[0].env[0].value"),
    ("dict_set_value", lambda: npusched.plan(_cluster(items__0__metadata__x={1, 2}), now=NOW), "wrong_type", "items[0].metadata.x"),
    ("dict_int_key", lambda: npusched.plan(_cluster(items__0__metadata__labels={1: "a"}), now=NOW), "wrong_type", "items[0].metadata.labels"),
    ("state_dict_infinity", lambda: npusched.faults(CLUSTER, state={**STATE, "x": math.inf}, now=NOW), "invalid_value", "state.x"),
    ("state_dict_deep", lambda: npusched.faults(CLUSTER, state={**STATE, "x": _deep(3000)}, now=NOW), "limit_exceeded", "state.x" + A127),
    ("state_text_lone_surrogate", lambda: npusched.faults(CLUSTER, state='{"x":"\ud800"}', now=NOW), "invalid_value", "state"),
    ("state_bytes_not_utf8", lambda: npusched.faults(CLUSTER, state=b'{"x":"\xff"}', now=NOW), "malformed_document", "state"),
    ("state_wrong_type", lambda: npusched.faults(CLUSTER, state=5, now=NOW), "wrong_type", "state"),
    ("snapshot_wrong_type", lambda: npusched.plan(5, now=NOW), "wrong_type", "snapshot"),
    ("snapshot_bytes_not_utf8", lambda: npusched.plan(b"\xff\xfe{", now=NOW), "malformed_document", "snapshot"),
    ("now_text", lambda: npusched.plan(CLUSTER, now="soon"), "wrong_type", "now"),
    ("now_bool", lambda: npusched.plan(CLUSTER, now=True), "wrong_type", "now"),
    ("now_negative", lambda: npusched.plan(CLUSTER, now=-1), "out_of_range", "now"),
    ("now_float", lambda: npusched.faults(CLUSTER, now=1.5), "wrong_type", "now"),
    ("scheduler_name_number", lambda: npusched.plan(CLUSTER, now=NOW, scheduler_name=3), "wrong_type", "scheduler_name"),
    ("scheduler_name_surrogate", lambda: npusched.faults(CLUSTER, now=NOW, scheduler_name="\ud800"), "invalid_value", "scheduler_name"),
    ("super_pod_size_bool", lambda: npusched.plan(CLUSTER, now=NOW, super_pod_size=True), "wrong_type", "super_pod_size"),
    ("super_pod_size_text", lambda: npusched.plan(CLUSTER, now=NOW, super_pod_size="48"), "wrong_type", "super_pod_size"),
    ("super_pod_size_2_pow_40", lambda: npusched.plan(CLUSTER, now=NOW, super_pod_size=2**40), "out_of_range", "super_pod_size"),
    ("super_pod_size_zero_explain", lambda: npusched.explain(CLUSTER, pod="default/infer-0", now=NOW, super_pod_size=0), "out_of_range", "super_pod_size"),
    ("reserve_nodes_negative_show", lambda: npusched.show(CLUSTER, reserve_nodes=-1), "out_of_range", "reserve_nodes"),
    ("add_wrong_type", lambda: npusched.plan(CLUSTER, now=NOW, add=5), "wrong_type", "add[0]"),
    ("add_dict_infinity", lambda: npusched.plan(CLUSTER, now=NOW, add={"kind": "Pod", "x": math.inf}), "invalid_value", "add[0].x"),
    ("add_missing_file", lambda: npusched.plan(CLUSTER, now=NOW, add=Path("/nonexistent/isvc.yaml")), "unreadable", "add[0]"),
    ("add_directory", lambda: npusched.plan(CLUSTER, now=NOW, add=Path("/")), "unreadable", "add[0]"),
    ("cluster_event_infinity", lambda: npusched.Cluster().apply({"type": "ADDED", "object": {"kind": "Pod", "x": math.inf}}), "invalid_value", "event.object.x"),
    ("cluster_event_type", lambda: npusched.Cluster().apply({"type": "CHANGED", "object": {}}), "unknown_value", "event.type"),
    ("cluster_events_deep", lambda: npusched.Cluster().apply_many([{"type": "ADDED", "object": {"kind": "Pod", "x": _deep(3000)}}]), "limit_exceeded", "events[0].object.x" + "".join([".a"] * 125)),
    ("cluster_load_number_beyond_double", lambda: npusched.Cluster().load('{"items":[],"x":1e400}'), "out_of_range", "x"),
]

# What only the command line meets: (name, argv, stdin, code, text on stderr).
CLI_ONLY: list[tuple[str, list[str], bytes, str, str]] = [
    ("directory", ["plan", "/", "--now", str(NOW)], b"", "unreadable", "Is a directory"),
    ("missing_file", ["plan", "/nonexistent/snapshot.json"], b"", "unreadable", "No such file"),
    ("dev_zero_snapshot", ["plan", "/dev/zero", "--now", str(NOW)], b"", "limit_exceeded", "input limit"),
    ("dev_zero_state", ["faults", "{cluster}", "--state", "/dev/zero", "--now", str(NOW)], b"", "limit_exceeded", "input limit"),
    ("dev_zero_add", ["plan", "{cluster}", "--add", "/dev/zero", "--now", str(NOW)], b"", "limit_exceeded", "input limit"),
    ("directory_as_state", ["faults", "{cluster}", "--state", "/"], b"", "unreadable", "Is a directory"),
    ("empty_file", ["plan", "{empty}"], b"", "malformed_document", "empty document"),
    ("stdin_malformed", ["plan", "-"], b'{"items": [', "malformed_document", "at the end of the input (offset 11)"),
    ("stdin_empty", ["faults", "-"], b"", "malformed_document", "empty document"),
    ("stdin_number_beyond_double", ["plan", "-"], b'{"items":[],"x":1e400}', "out_of_range", "x: number out of range"),
    ("super_pod_size_zero", ["plan", "{cluster}", "--super-pod-size", "0"], b"", "out_of_range", "--super-pod-size: 0 is out of range (1..2147483647)"),
    ("reserve_nodes_negative", ["plan", "{cluster}", "--reserve-nodes", "-1"], b"", "out_of_range", "--reserve-nodes: -1 is out of range (0..2147483647)"),
    ("super_pod_size_zero_show", ["show", "{cluster}", "-o", "-", "--super-pod-size", "0"], b"", "out_of_range", "--super-pod-size"),
]


def _limits() -> None:
    # Under tools/python-asan the sanitizer's shadow memory needs terabytes of
    # address space; ASan's hard_rss_limit_mb bounds the child there instead.
    if not os.environ.get("NPUSCHED_UNDER_ASAN"):
        resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


def _cli(script: str, argv: list[str], stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    start = time.monotonic()
    proc = subprocess.run([script, *argv], input=stdin, capture_output=True, timeout=SECONDS, preexec_fn=_limits)
    assert time.monotonic() - start < SECONDS
    return proc


def _assert_cli_error(proc: subprocess.CompletedProcess[bytes], code: str) -> str:
    assert proc.returncode == 2, proc.stderr[:300]
    assert proc.stdout == b""
    message = proc.stderr.decode("utf-8")
    assert message.startswith(f"npusched: error[{code}]: ") and message.count("\n") == 1, message[:300]
    return message


CASES = [pytest.param(c, id=c["name"]) for c in CATALOGUE["cases"]]


def test_the_catalogue_has_at_least_100_cases() -> None:
    assert len(CATALOGUE["cases"]) + len(PYTHON_ONLY) + len(CLI_ONLY) >= 100
    assert len({c["name"] for c in CATALOGUE["cases"]}) == len(CATALOGUE["cases"])


@pytest.mark.parametrize("case", CASES)
def test_catalogue_through_the_api(case: dict[str, Any]) -> None:
    start = time.monotonic()
    if "code" in case["want"]:
        with pytest.raises(npusched.InvalidInput) as e:
            _api(case)
        _check_error(e.value, *_expected(case), case)
    else:
        _check_verdict(case, _api(case))
    assert time.monotonic() - start < SECONDS


@pytest.mark.parametrize("case", CASES)
def test_catalogue_through_the_cli(case: dict[str, Any], npusched_script: str, tmp_path: Path) -> None:
    data = tmp_path / "input"
    data.write_bytes(input_bytes(case))
    cluster = tmp_path / "cluster.json"
    cluster.write_bytes(CLUSTER)
    kind = case.get("input", "snapshot")
    if kind == "state":
        argv = ["faults", str(cluster), "--state", str(data)]
    elif kind == "add":
        argv = ["plan", str(cluster), "--add", str(data)]
    else:
        argv = ["plan", str(data)]
        for option, value in case.get("options", {}).items():
            argv += [f"--{option.replace('_', '-')}", str(value)]
    proc = _cli(npusched_script, [*argv, "--now", str(NOW)])
    if "code" in case["want"]:
        _assert_cli_error(proc, _expected(case)[0])
    else:
        assert proc.returncode == 0, proc.stderr[:300]
        _check_verdict(case, json.loads(proc.stdout))


@pytest.mark.parametrize(("call", "code", "path"), [pytest.param(c, code, p, id=n) for n, c, code, p in PYTHON_ONLY])
def test_python_only_inputs(call: Callable[[], Any], code: str, path: str) -> None:
    start = time.monotonic()
    with pytest.raises(npusched.InvalidInput) as e:
        call()
    assert (e.value.code, e.value.path) == (code, path), str(e.value)[:300]
    assert time.monotonic() - start < SECONDS


@pytest.mark.parametrize(("argv", "stdin", "code", "says"), [pytest.param(a, s, c, t, id=n) for n, a, s, c, t in CLI_ONLY])
def test_command_line_only_inputs(
    argv: list[str], stdin: bytes, code: str, says: str, npusched_script: str, tmp_path: Path
) -> None:
    (tmp_path / "cluster.json").write_bytes(CLUSTER)
    (tmp_path / "empty.json").write_bytes(b"")
    names = {"{cluster}": str(tmp_path / "cluster.json"), "{empty}": str(tmp_path / "empty.json")}
    message = _assert_cli_error(_cli(npusched_script, [names.get(a, a) for a in argv], stdin), code)
    assert says in message
