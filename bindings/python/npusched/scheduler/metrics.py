"""Prometheus metrics in the text exposition format, served by the standard
library's HTTP server (no client library: a handful of counters, gauges and
one histogram do not justify a dependency).

Every metric of the scheduler is declared here, so the names in
docs/scheduler.md have one place to be checked against.
"""

from __future__ import annotations

import http.server
import math
import threading
from collections.abc import Iterable, Sequence

__all__ = ["Metrics", "serve"]

_CYCLE_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(names: Sequence[str], values: Sequence[str]) -> str:
    if not names:
        return ""
    return "{" + ",".join(f'{n}="{_escape(v)}"' for n, v in zip(names, values)) + "}"


def _number(v: float) -> str:
    if math.isinf(v):
        return "+Inf" if v > 0 else "-Inf"
    if float(v).is_integer():
        return str(int(v))
    return repr(float(v))


class _Family:
    """One metric name: its help, type, label names and values per label tuple."""

    def __init__(self, name: str, kind: str, help_text: str, labels: Sequence[str] = ()) -> None:
        self.name, self.kind, self.help, self.label_names = name, kind, help_text, tuple(labels)
        self.values: dict[tuple[str, ...], float] = {}
        self.lock = threading.Lock()

    def _key(self, labels: Sequence[str]) -> tuple[str, ...]:
        if len(labels) != len(self.label_names):
            raise ValueError(f"{self.name}: expected labels {self.label_names}, got {tuple(labels)}")
        return tuple(str(v) for v in labels)

    def inc(self, *labels: str, by: float = 1.0) -> None:
        key = self._key(labels)
        with self.lock:
            self.values[key] = self.values.get(key, 0.0) + by

    def set(self, value: float, *labels: str) -> None:
        key = self._key(labels)
        with self.lock:
            self.values[key] = float(value)

    def replace(self, values: dict[tuple[str, ...], float]) -> None:
        """Sets the whole family at once (a gauge by label computed per cycle)."""
        with self.lock:
            self.values = {self._key(k): float(v) for k, v in values.items()}

    def get(self, *labels: str) -> float:
        with self.lock:
            return self.values.get(self._key(labels), 0.0)

    def render(self) -> Iterable[str]:
        yield f"# HELP {self.name} {self.help}"
        yield f"# TYPE {self.name} {self.kind}"
        with self.lock:
            items = sorted(self.values.items())
        for key, v in items:
            yield f"{self.name}{_labels(self.label_names, key)} {_number(v)}"


class _Histogram:
    def __init__(self, name: str, help_text: str, buckets: Sequence[float]) -> None:
        self.name, self.help, self.buckets = name, help_text, tuple(buckets)
        self.counts = [0] * len(self.buckets)
        self.sum = 0.0
        self.count = 0
        self.lock = threading.Lock()

    def observe(self, v: float) -> None:
        with self.lock:
            self.sum += v
            self.count += 1
            for i, b in enumerate(self.buckets):
                if v <= b:
                    self.counts[i] += 1

    def render(self) -> Iterable[str]:
        yield f"# HELP {self.name} {self.help}"
        yield f"# TYPE {self.name} histogram"
        with self.lock:
            counts, total, n = list(self.counts), self.sum, self.count
        for b, c in zip(self.buckets, counts):
            yield f'{self.name}_bucket{{le="{_number(b)}"}} {c}'
        yield f'{self.name}_bucket{{le="+Inf"}} {n}'
        yield f"{self.name}_sum {_number(total)}"
        yield f"{self.name}_count {n}"


class Metrics:
    """The scheduler's metrics. Thread-safe; ``render()`` is the /metrics body."""

    def __init__(self) -> None:
        self.cycle_duration = _Histogram(
            "npusched_cycle_duration_seconds", "Duration of one scheduling cycle (faults, plan, binds, reports).", _CYCLE_BUCKETS
        )
        self.cycles = _Family("npusched_cycles_total", "counter", "Scheduling cycles run.")
        self.pending_pods = _Family("npusched_pending_pods", "gauge", "Pending pods of this scheduler in the last cycle.")
        self.bound = _Family("npusched_bound_total", "counter", "Pods bound.")
        self.bind_failures = _Family("npusched_bind_failures_total", "counter", "Bindings that failed, by step.", ("step",))
        self.half_bound = _Family(
            "npusched_half_bound_gangs", "gauge", "Gangs with members bound and members still to bind (state records)."
        )
        self.unschedulable = _Family(
            "npusched_unschedulable_pods", "gauge", "Pods the last plan could not place, by reason.", ("reason",)
        )
        self.deleted = _Family("npusched_fault_deletions_total", "counter", "Pods deleted for faults, by mode.", ("mode",))
        self.annotated = _Family("npusched_fault_annotations_total", "counter", "Pods annotated for an external platform.")
        self.api_errors = _Family(
            "npusched_api_errors_total", "counter", "Failed API calls (each attempt), by verb and code.", ("verb", "code")
        )
        self.relists = _Family("npusched_watch_relists_total", "counter", "Relists after a watch expired (410 Gone), by stream.", ("stream",))
        self.malformed = _Family("npusched_malformed_objects_total", "counter", "Objects the model refused, by kind.", ("kind",))
        self.events = _Family("npusched_watch_events_total", "counter", "Watch events applied, by stream.", ("stream",))
        self.is_leader = _Family("npusched_is_leader", "gauge", "1 while this replica holds the lease.")
        self.state_writes = _Family("npusched_state_writes_total", "counter", "Writes of the state ConfigMap.")
        self._all = [
            self.cycle_duration, self.cycles, self.pending_pods, self.bound, self.bind_failures, self.half_bound,
            self.unschedulable, self.deleted, self.annotated, self.api_errors, self.relists, self.malformed,
            self.events, self.is_leader, self.state_writes,
        ]  # fmt: skip

    def render(self) -> str:
        return "\n".join(line for m in self._all for line in m.render()) + "\n"


class _Handler(http.server.BaseHTTPRequestHandler):
    metrics: Metrics

    def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
        path = self.path.split("?", 1)[0]
        if path == "/metrics":
            body, status, ctype = self.metrics.render().encode(), 200, "text/plain; version=0.0.4; charset=utf-8"
        elif path in ("/healthz", "/readyz"):
            body, status, ctype = b"ok\n", 200, "text/plain; charset=utf-8"
        else:
            body, status, ctype = b"not found\n", 404, "text/plain; charset=utf-8"
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the stdlib's signature)
        pass


def serve(metrics: Metrics, port: int, host: str = "") -> http.server.ThreadingHTTPServer:
    """Serves /metrics (and /healthz) on ``port`` in a daemon thread; returns the server
    (``server.server_address[1]`` is the port, useful with port 0 in tests)."""
    handler = type("Handler", (_Handler,), {"metrics": metrics})
    server = http.server.ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="npusched-metrics", daemon=True).start()
    return server
