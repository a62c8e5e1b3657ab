"""The Python API: input normalisation around the compiled core.

Every snapshot, whatever form it arrives in, is turned into JSON text and read
by the C++ Kubernetes adapter (``_core.plan_json``); there is no second
decoder here. This module only *writes* JSON: it serialises dicts, lists and
``kubernetes`` client model objects the way
``kubernetes.client.ApiClient.sanitize_for_serialization`` does, without
importing the ``kubernetes`` package.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import operator
import os
import re
import time
from collections.abc import Mapping
from typing import Any

from . import _core
from ._errors import InvalidInput, invalid
from ._files import read_path

__all__ = ["__version__", "demo_snapshot", "faults", "faults_text", "plan", "plan_text", "snapshot_text"]

__version__: str = _core.version()

# `now` is written as `now * 10**9 + placement index` nanoseconds in a signed
# 64-bit integer (the pods' `predicate-time`); keep a margin for the index.
MAX_NOW = (2**63 - 1) // 10**9 - 1
# The core's nesting limit, checked here too so that a deep dict is refused
# before Python's recursion limit is reached.
MAX_NESTING_DEPTH: int = _core.MAX_NESTING_DEPTH

_UTC = _dt.timezone.utc
# kubernetes model class names: V1Node, V1beta1PodGroup, V2HorizontalPodAutoscaler, ...
_MODEL_PREFIX = re.compile(r"^V\d+(?:(?:alpha|beta)\d+)?(?=[A-Z])")


def plan(
    snapshot: Any,
    *,
    now: int | None = None,
    scheduler_name: str = "volcano",
    super_pod_size: int | None = None,
    reserve_nodes: int | None = None,
    extra_objects: Any = None,
    state: Any = None,
    add: Any = None,
    policy: str = "npusched",
    policy_seed: int = 0,
) -> dict[str, Any]:
    """Plans the pending pods of a cluster snapshot.

    ``snapshot`` is a Kubernetes List in any of these forms: a dict (as
    ``kubectl get nodes,pods,configmaps,... -A -o json`` prints it), JSON text
    (``str`` or UTF-8 ``bytes``), a ``kubernetes`` client model object
    (``V1NodeList``, ``V1Pod``, ...), or a list of model objects, list
    objects and dicts (their items are concatenated). Pending pods are those
    whose ``spec.schedulerName`` is ``scheduler_name``. ``now`` is unix
    seconds (default: the current time), used for the pods' ``predicate-time``
    annotation. ``super_pod_size`` and ``reserve_nodes`` override the
    scheduler's init-params found in the snapshot (defaults 48 and 2).

    Returns ``{"bindings": [...], "unschedulable": [...], "excluded_nodes": [...],
    "super_pod_jobs": [...], "gangs": [...], "summary": {...}}``; each super-pod job lists its logical
    super-nodes (``blocks``: logical id, physical super-pod, nodes in rank
    order), the blocks each selection phase gave, and what every super-pod
    could offer; ``gangs`` lists every PodGroup with pending pods: its
    min-available, members running and placed, and whether it is admitted;
    ``summary`` counts, per accelerator type and in ``total``, the nodes, the
    usable ones, the NPUs and the free NPUs before and after this plan, and
    the pending, placed and unplaced pods (docs/kubernetes.md).

    ``extra_objects`` (what-if): pods, PodGroups, ... in any form accepted for
    ``snapshot``, added to it for this call only — "would these new pods fit,
    and where?". An object that already exists in the snapshot is an error.

    ``state`` (the ``"state"`` of a :func:`faults` result, as a dict or JSON
    text): each fault job's previous fault nodes score lower for its
    replacements, so they land elsewhere when they can.

    ``add`` (what-if): OME documents (InferenceService, runtimes, models),
    the deployment tool's config, or plain Kubernetes objects — paths, text,
    dicts or ``kubernetes`` models, one or a list (see
    :func:`npusched.expand`). They are expanded into the pods and PodGroups
    their controllers would create and planned with the snapshot; the
    result gains ``warnings`` and ``inference_services`` (per service, role
    and instance: admitted or not, each pod's node, chips, super-pod,
    logical super-node and rank, or why not). The snapshot is not changed.
    Deterministic: the same snapshot and ``now`` give the same result.

    ``policy`` and ``policy_seed`` choose the placement policy as
    :meth:`npusched.Cluster.plan` does (docs/fitting.md, "Node choice").

    Raises :class:`npusched.InvalidInput` when the snapshot cannot be read;
    the message names the offending field.
    """
    result: dict[str, Any] = json.loads(
        plan_text(
            snapshot,
            now=now,
            scheduler_name=scheduler_name,
            super_pod_size=super_pod_size,
            reserve_nodes=reserve_nodes,
            extra_objects=extra_objects,
            state=state,
            add=add,
            policy=policy,
            policy_seed=policy_seed,
        )
    )
    return result


def plan_text(
    snapshot: Any,
    *,
    now: int | None = None,
    scheduler_name: str = "volcano",
    super_pod_size: int | None = None,
    reserve_nodes: int | None = None,
    extra_objects: Any = None,
    state: Any = None,
    add: Any = None,
    policy: str = "npusched",
    policy_seed: int = 0,
) -> str:
    """Like :func:`plan`, but returns the adapter's compact JSON text unchanged."""
    check_policy(policy, policy_seed)
    return _core.plan_json(
        **plan_inputs(snapshot, now, scheduler_name, super_pod_size, reserve_nodes, extra_objects, state, add),
        policy=policy,
        policy_seed=policy_seed,
    )


def check_policy(policy: Any, policy_seed: Any) -> None:
    """Raises :class:`InvalidInput` unless ``policy`` is a str and ``policy_seed`` an int in 0..2^64-1
    (the core names an unknown policy)."""
    if not isinstance(policy, str):
        raise invalid("policy", "wrong_type", f"expected a str, got {type(policy).__name__}")
    if isinstance(policy_seed, bool) or not isinstance(policy_seed, int) or not 0 <= policy_seed < 2**64:
        raise invalid("policy_seed", "wrong_type", "expected an int in 0..2^64-1")


def plan_inputs(
    snapshot: Any,
    now: Any,
    scheduler_name: Any,
    super_pod_size: Any,
    reserve_nodes: Any,
    extra_objects: Any,
    state: Any,
    add: Any = None,
) -> dict[str, Any]:
    """The keyword arguments every ``_core`` function built on a plan takes, checked and as JSON text."""
    check_plan_options(scheduler_name, super_pod_size, reserve_nodes)
    extra = "" if extra_objects is None else snapshot_text(extra_objects, "extra_objects")
    return {
        "snapshot_json": snapshot_text(snapshot),
        "now": _unix_seconds(now),
        "scheduler_name": scheduler_name,
        "super_pod_size": super_pod_size,
        "reserve_nodes": reserve_nodes,
        "extra_objects_json": extra,
        "fault_state_json": _state_text(state),
        "add": [] if add is None else documents(add),
    }


def check_plan_options(scheduler_name: Any, super_pod_size: Any, reserve_nodes: Any) -> None:
    """Raises :class:`InvalidInput` unless the plan options have the types the core takes."""
    check_scheduler_name(scheduler_name)
    for name, value in (("super_pod_size", super_pod_size), ("reserve_nodes", reserve_nodes)):
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            raise invalid(name, "wrong_type", f"expected an int or None, got {type(value).__name__}")
        # The core checks the range of each option; a value beyond 32 bits cannot reach it.
        if not -(2**31) <= value < 2**31:
            raise invalid(name, "out_of_range", f"{value} does not fit 32 bits")


def check_scheduler_name(scheduler_name: Any) -> None:
    """Raises :class:`InvalidInput` unless ``scheduler_name`` is a str."""
    if not isinstance(scheduler_name, str):
        raise invalid("scheduler_name", "wrong_type", f"expected a str, got {type(scheduler_name).__name__}")
    _checked(scheduler_name, "scheduler_name")


def documents(add: Any, what: str = "add") -> list[tuple[str, str]]:
    """``add`` as (name, text) pairs. ``add`` is one item or a list of items;
    an item is a path (``os.PathLike``, or a ``str`` of one line that does not
    start with ``{`` or ``[``), document text (a ``str`` with a line break or
    starting with ``{``/``[``, or UTF-8 ``bytes``), a dict, or a ``kubernetes``
    client model object."""
    items = list(add) if isinstance(add, (list, tuple)) else [add]
    out: list[tuple[str, str]] = []
    for i, item in enumerate(items):
        name = f"{what}[{i}]"
        if isinstance(item, os.PathLike) or (isinstance(item, str) and _looks_like_path(item)):
            path = os.fspath(item)
            out.append((str(path), _text(read_path(path, name), str(path))))
        elif isinstance(item, str):
            out.append((name, _checked(item, name)))
        elif isinstance(item, (bytes, bytearray, memoryview)):
            out.append((name, _text(bytes(item), name)))
        elif isinstance(item, Mapping) or _is_model(item):
            out.append((name, _json_text(_plain(item, name), name)))
        else:
            raise invalid(
                name,
                "wrong_type",
                f"expected a path, document text, a dict or a kubernetes model, got {type(item).__name__}",
            )
    return out


def _looks_like_path(text: str) -> bool:
    return "\n" not in text and not text.lstrip().startswith(("{", "["))


def _text(data: bytes, name: str) -> str:
    # A leading byte-order mark stays: the core skips it, for text from anywhere.
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise invalid(name, "malformed_document", f"not UTF-8 text (byte {e.start}: {e.reason})") from None


def _checked(text: str, name: str) -> str:
    """``text`` unchanged, or :class:`InvalidInput` when it has no UTF-8 form (a lone surrogate)."""
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as e:
            raise invalid(name, "invalid_value", f"character {e.start} is a lone surrogate, which UTF-8 cannot hold") from None
    return text


def _json_text(document: Any, root: str) -> str:
    """Plain JSON values as compact JSON text; a value JSON or UTF-8 has no
    form for (NaN, infinity, a lone surrogate) is an :class:`InvalidInput`
    naming its path under ``root``."""
    try:
        text = json.dumps(document, allow_nan=False, ensure_ascii=False, separators=(",", ":"))
    except ValueError:  # NaN or infinity
        raise _unwritable(document, root) from None
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise _unwritable(document, root) from None
    return text


def _unwritable(document: Any, root: str) -> InvalidInput:
    """The error for the first value of ``document`` that JSON text cannot
    hold; found only once writing failed, so the common case pays nothing."""
    stack: list[tuple[Any, str]] = [(document, root)]
    while stack:
        value, path = stack.pop()
        if isinstance(value, float) and not math.isfinite(value):
            return invalid(path, "invalid_value", f"{value!r} cannot be written as JSON (no NaN or infinity)")
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError as e:
                return invalid(path, "invalid_value", f"character {e.start} is a lone surrogate, which UTF-8 cannot hold")
        elif isinstance(value, dict):
            for key in value:
                try:
                    key.encode("utf-8")
                except UnicodeEncodeError:
                    return invalid(_member(path, key), "invalid_value", "the key holds a lone surrogate, which UTF-8 cannot hold")
            stack.extend(reversed([(v, _member(path, k)) for k, v in value.items()]))
        elif isinstance(value, list):
            stack.extend(reversed([(v, f"{path}[{i}]") for i, v in enumerate(value)]))
    return invalid(root, "invalid_value", "cannot be written as JSON")


def _member(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def faults(snapshot: Any, state: Any = None, now: int | None = None, *, scheduler_name: str = "volcano") -> dict[str, Any]:
    """Decides fault isolation and rescheduling for a cluster snapshot.

    ``state`` is the ``"state"`` of the previous call's result (a dict or JSON
    text; ``None`` for the first call): keep it (e.g. in a ConfigMap) and pass
    it back next time. ``now`` is unix seconds (default: the current time).

    Returns ``{"unusable_nodes": [...], "unusable_chips": [...], "fault_jobs":
    [...], "actions": [...], "state": {...}, "untrusted_records": [...]}``:
    what new pods may not use, which running jobs have fault pods, what to do
    to which pod (``delete`` or ``annotate``, ``grace`` or ``force``), and
    the state for the next call. Deterministic in its arguments.

    Raises :class:`npusched.InvalidInput` for a bad snapshot or state.
    """
    result: dict[str, Any] = json.loads(faults_text(snapshot, state, now, scheduler_name=scheduler_name))
    return result


def faults_text(snapshot: Any, state: Any = None, now: int | None = None, *, scheduler_name: str = "volcano") -> str:
    """Like :func:`faults`, but returns the adapter's compact JSON text unchanged."""
    check_scheduler_name(scheduler_name)
    return _core.faults_json(snapshot_text(snapshot), _unix_seconds(now), _state_text(state), scheduler_name)


def _state_text(state: Any) -> str:
    if state is None:
        return ""
    if isinstance(state, str):
        return _checked(state, "state")
    if isinstance(state, (bytes, bytearray, memoryview)):
        return _text(bytes(state), "state")
    if isinstance(state, Mapping):
        return _json_text(_plain(state, "state"), "state")
    raise invalid("state", "wrong_type", f"expected a dict or JSON text, got {type(state).__name__}")


def demo_snapshot() -> dict[str, Any]:
    """The built-in demo cluster (a few Atlas 800I A2 and A3 nodes, some chips
    in use, one unhealthy node) and its pending pods, as a Kubernetes List dict
    that :func:`plan` accepts."""
    result: dict[str, Any] = json.loads(_core.demo_snapshot_json())
    return result


def snapshot_text(snapshot: Any, what: str = "snapshot") -> str:
    """The snapshot (or what-if objects, ``what="extra_objects"``) as JSON text for the C++ adapter."""
    if isinstance(snapshot, str):
        return _checked(snapshot, what)
    if isinstance(snapshot, (bytes, bytearray, memoryview)):
        return _text(bytes(snapshot), what)
    if isinstance(snapshot, Mapping):
        document = _plain(snapshot, "")
    elif isinstance(snapshot, (list, tuple)) or _is_model(snapshot):
        document = {"apiVersion": "v1", "kind": "List", "items": _items(snapshot)}
    else:
        raise invalid(
            what,
            "wrong_type",
            "expected a Kubernetes List as a dict, JSON text, kubernetes "
            f"model objects or a list of them, got {type(snapshot).__name__}",
        )
    return _json_text(document, "")


def _unix_seconds(now: Any) -> int:
    if now is None:
        return int(time.time())
    if isinstance(now, bool):
        raise invalid("now", "wrong_type", "expected an integer (unix seconds), got bool")
    try:
        seconds = operator.index(now)
    except TypeError:
        raise invalid("now", "wrong_type", f"expected an integer (unix seconds), got {type(now).__name__}") from None
    if not 0 <= seconds <= MAX_NOW:
        raise invalid("now", "out_of_range", f"{seconds} is out of range (0..{MAX_NOW})")
    return seconds


def _items(source: Any) -> list[Any]:
    """The items of a top-level list or model object, flattened: a List (a
    model with ``items``, a dict with an ``items`` list, a Python list)
    contributes its items, anything else itself."""
    out: list[Any] = []
    stack = [(source, "")]
    while stack:
        obj, path = stack.pop()
        if isinstance(obj, (list, tuple)):
            stack.extend(reversed([(x, f"{path}[{i}]") for i, x in enumerate(obj)]))
            continue
        plain = _plain(obj, path, _ITEM_DEPTH)
        if isinstance(plain, dict) and isinstance(plain.get("items"), list):
            out.extend(plain["items"])
        else:
            out.append(plain)
    return out


def _is_model(obj: Any) -> bool:
    """A ``kubernetes`` (OpenAPI-generated) client model: it describes its own
    fields with ``openapi_types`` (``swagger_types`` before client 12) and
    their JSON names with ``attribute_map``."""
    cls = type(obj)
    types = getattr(cls, "openapi_types", None) or getattr(cls, "swagger_types", None)
    return isinstance(types, dict) and isinstance(getattr(cls, "attribute_map", None), dict)


# Depth of an item in the List written around top-level items: List, items, item.
_ITEM_DEPTH = 3


def _plain(obj: Any, path: str, depth: int = 1) -> Any:
    """``obj`` as plain JSON values, as ``ApiClient.sanitize_for_serialization``
    writes it: model attributes under their API names, ``None`` attributes
    left out, datetimes as RFC 3339 text. ``depth`` is the nesting level of
    ``obj`` in the document (1 for its root); containers deeper than the
    core's limit are refused here, before Python's recursion limit."""
    if obj is None or isinstance(obj, (str, bool, int, float)):
        return obj
    if isinstance(obj, _dt.datetime):
        return _rfc3339(obj)
    if isinstance(obj, _dt.date):
        return obj.isoformat()
    container = isinstance(obj, (list, tuple, Mapping)) or _is_model(obj)
    if container and depth > MAX_NESTING_DEPTH:
        raise invalid(path, "limit_exceeded", f"nested deeper than {MAX_NESTING_DEPTH} levels of arrays and objects")
    if isinstance(obj, (list, tuple)):
        return [_plain(x, f"{path}[{i}]", depth + 1) for i, x in enumerate(obj)]
    if isinstance(obj, Mapping):
        out: dict[str, Any] = {}
        for key, value in obj.items():
            if not isinstance(key, str):
                raise invalid(path, "wrong_type", f"key {key!r} is not a string")
            out[key] = _plain(value, _member(path, key), depth + 1)
        return out
    if _is_model(obj):
        return _model(obj, path, depth)
    raise invalid(path, "wrong_type", f"a {type(obj).__name__} cannot be written as JSON")


def _model(obj: Any, path: str, depth: int) -> dict[str, Any]:
    cls = type(obj)
    types = getattr(cls, "openapi_types", None) or cls.swagger_types
    out: dict[str, Any] = {}
    for attr in types:
        value = getattr(obj, attr)
        if value is not None:
            key = cls.attribute_map[attr]
            out[key] = _plain(value, _member(path, key), depth + 1)
    # Items of a list read through the API carry no `kind`; the class says it.
    if "kind" in types and "kind" not in out:
        kind = _MODEL_PREFIX.sub("", cls.__name__)
        if kind != cls.__name__:
            out["kind"] = kind
    return out


def _rfc3339(t: _dt.datetime) -> str:
    """UTC with a ``Z``, as Kubernetes writes timestamps; naive means UTC."""
    if t.tzinfo is None or t.utcoffset() is None:
        t = t.replace(tzinfo=_UTC)
    utc = t.astimezone(_UTC).replace(tzinfo=None)
    return utc.isoformat(timespec="microseconds" if utc.microsecond else "seconds") + "Z"
