"""Heap held by the live cluster model per node, after a List is loaded.

Loads a synthetic List (the generator of the C++ benchmarks: per node its
chips, labels, device-info annotation and about 2.6 running pods) of N nodes
into a `LiveCluster`, brings the derived state up to date (`stats()`), and
reports glibc's bytes in use (`mallinfo2`: `uordblks + hblkhd`) after the
load minus before, per node. The List's text is allocated before the first
reading, so it is not counted; the parser's buffers freed after the load are
not counted either. Linux with glibc only.

    .venv/bin/python benchmarks/live_memory.py 10000 100000
"""

from __future__ import annotations

import ctypes
import gc
import json
import sys

from npusched import _core


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")
    ]


_libc = ctypes.CDLL("libc.so.6")
_libc.mallinfo2.restype = _MallInfo2


def heap_in_use() -> int:
    m = _libc.mallinfo2()
    return int(m.uordblks + m.hblkhd)


def _held(text: str) -> tuple[int, int]:
    """(heap bytes the loaded model holds, pods it holds)."""
    gc.collect()
    before = heap_in_use()
    cluster = _core.LiveCluster()
    cluster.load(text)
    stats = cluster.stats()
    held = heap_in_use() - before
    del cluster
    return held, stats[1]


def main(sizes: list[int]) -> None:
    """Per size: the whole List, then the same List without its Pods, so the
    cost of a node (chips, labels, device-info) and of a running pod separate."""
    print(f"{'nodes':>8} {'pods':>8} {'MB text':>8} {'heap MB':>8} {'B/node':>7} {'nodes only B/node':>18} {'B/pod':>6}")
    for nodes in sizes:
        text = _core.synthetic_snapshot_json(nodes, 20250601)
        held, pods = _held(text)
        doc = json.loads(text)
        doc["items"] = [i for i in doc["items"] if i.get("kind") != "Pod"]
        bare = json.dumps(doc)
        del doc
        held_bare, _ = _held(bare)
        per_pod = (held - held_bare) / pods if pods else 0.0
        print(f"{nodes:>8} {pods:>8} {len(text) / 1e6:>8.1f} {held / 1e6:>8.1f} {held / nodes:>7.0f} "
              f"{held_bare / nodes:>18.0f} {per_pod:>6.0f}")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [10_000])
