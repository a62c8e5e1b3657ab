"""Full snapshot decode against Python's json.loads on the same bytes.

Writes a synthetic List (the generator of the C++ benchmarks) of N nodes,
then times, in one run and alternating, `json.loads(text)` and npusched's
decode of the same text into a live cluster model (`LiveCluster.load`
followed by `stats()`, which brings the derived cluster, workload and
reports up to date: everything `decode_snapshot` does). Prints the best of
R rounds for each and the ratio.

    .venv/bin/python benchmarks/decode_vs_json_loads.py 10000 100000
"""

from __future__ import annotations

import json
import sys
import time

from npusched import _core


def best(f, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return min(times)


def main(sizes: list[int]) -> None:
    print(f"{'nodes':>8} {'MB':>7} {'json.loads':>11} {'npusched':>10} {'ratio':>6}")
    for nodes in sizes:
        text = _core.synthetic_snapshot_json(nodes, 20250601)
        rounds = 5 if nodes <= 10_000 else 3

        def decode() -> None:
            c = _core.LiveCluster()
            c.load(text)
            c.stats()

        loads = best(lambda: json.loads(text), rounds)
        ours = best(decode, rounds)
        print(f"{nodes:>8} {len(text) / 1e6:>7.1f} {loads * 1e3:>9.1f}ms {ours * 1e3:>8.1f}ms {loads / ours:>5.2f}x")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [10_000])
