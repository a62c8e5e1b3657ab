"""Seeded synthetic clusters as Kubernetes Lists (``npusched.generate``,
``npusched generate``). The generator is the C++ one (``npusched::synthetic``);
this module only checks argument types and writes the mix in the form the
core reads."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

from . import _core
from ._errors import InvalidInput, invalid

__all__ = ["generate", "generate_text"]

_INT32 = 2**31


def _int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid(name, "wrong_type", f"expected an int, got {type(value).__name__}")
    if not -_INT32 <= value < _INT32:
        raise invalid(name, "out_of_range", f"{value} does not fit 32 bits")
    return value


def _number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise invalid(name, "wrong_type", f"expected a number, got {type(value).__name__}")
    if isinstance(value, int) and abs(value) > 2**53:
        raise invalid(name, "out_of_range", f"{value} is not a share or rate")
    number = float(value)
    if not math.isfinite(number):
        raise invalid(name, "invalid_value", f"{value} is not a finite number")
    return number


def _mix_text(mix: Any) -> str:
    """``mix`` in the core's ``type:share,...`` form: a str as it is, or a
    mapping / sequence of (type, share) pairs, shares written exactly
    (``repr`` of a float reads back as the same float)."""
    if mix is None:
        return ""
    if isinstance(mix, str):
        if not mix:
            raise invalid("mix", "invalid_value", "names no accelerator type")
        return mix
    pairs = list(mix.items()) if isinstance(mix, Mapping) else mix
    if not isinstance(pairs, Sequence) or not pairs:
        raise invalid("mix", "wrong_type", "expected TYPE:SHARE text, a dict of shares or (type, share) pairs")
    out = []
    for i, pair in enumerate(pairs):
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise invalid(f"mix[{i}]", "wrong_type", "expected a (type, share) pair")
        label, share = pair
        if not isinstance(label, str) or "," in label or ":" in label or not label:
            raise invalid(f"mix[{i}].type", "wrong_type", "expected an accelerator-type label value")
        out.append(f"{label}:{_number(f'mix[{i}].share', share)!r}")
    return ",".join(out)


def generate_text(
    nodes: int,
    *,
    seed: int = 1,
    mix: Any = None,
    super_pod_size: int = 48,
    occupancy: float = 0.5,
    faults: float = 0.01,
    node_faults: float | None = None,
    pending: int = 0,
) -> str:
    """The List of :func:`generate` as JSON text (what ``npusched generate`` writes)."""
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise invalid("seed", "wrong_type", f"expected an int, got {type(seed).__name__}")
    if not 0 <= seed < 2**64:
        raise invalid("seed", "out_of_range", f"{seed} is out of range (0..2^64-1)")
    chip_rate = _number("faults", faults)
    node_rate = chip_rate / 2 if node_faults is None else _number("node_faults", node_faults)
    try:
        return _core.synthetic_snapshot_json(
            _int("nodes", nodes), seed, _mix_text(mix), _int("super_pod_size", super_pod_size),
            _number("occupancy", occupancy), chip_rate, node_rate, _int("pending", pending))
    except InvalidInput as e:  # the core's names of three options differ from these arguments'
        path = e.path
        if path in _CORE_NAMES:
            raise invalid(_CORE_NAMES[path], e.code, str(e)[len(path) + 2:]) from None
        raise


# The core's option names, as this function's arguments call them.
_CORE_NAMES = {"chip_fault_rate": "faults", "node_fault_rate": "node_faults", "pending_pods": "pending"}


def generate(nodes: int, **options: Any) -> dict[str, Any]:
    """A seeded synthetic cluster as a Kubernetes List dict that every
    function and command reads (docs/generate.md). ``options`` are the
    keyword arguments of :func:`generate_text`: ``seed=1``, ``mix=None``,
    ``super_pod_size=48``, ``occupancy=0.5``, ``faults=0.01``,
    ``node_faults=None``, ``pending=0``.

    ``mix`` gives the node types and their shares: ``None`` for the default
    (``module-910b-8`` 0.4, ``module-a3-16`` 0.3, ``module-a3-16-super-pod``
    0.3), ``"module-910b-8:0.5,module-a3-16:0.5"``, ``{"module-a3-16": 1}``
    or a list of (type, share) pairs; shares sum to 1. ``faults`` is the
    chance of each chip being unhealthy, ``node_faults`` of each node
    (default ``faults / 2``); ``occupancy`` the expected fraction of chips
    held by running pods; ``pending`` the number of pending pods. The same
    arguments always give the same List. Raises :class:`InvalidInput`
    (``path`` = the argument) for a value out of range.
    """
    result: dict[str, Any] = json.loads(generate_text(nodes, **options))
    return result
