"""The scheduling cycle and the loop around it.

A cycle, on the leader: report the objects the model refused; ``faults``
with the kept state and carry out its actions; keep the new state; ``plan``
with it; bind the placements (gang by gang); report the pods not placed;
close the half-bound records whose gangs are complete; write the state
ConfigMap if anything in it changed. Cycles run when the watches bring a
change (after a short debounce, so a burst of events makes one cycle) and
at least every ``period`` seconds (fault decisions depend on time: grace
periods, escalation).

With ``dry_run`` nothing is written: the decisions are printed as JSON lines.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

from .binder import Binder
from .faults import FaultActor
from .informer import Feed, Informer
from .leader import LeaseElector
from .metrics import Metrics
from .report import Reporter
from .state import StateStore

__all__ = ["Options", "Scheduler"]

log = logging.getLogger("npusched.scheduler")


@dataclass
class Options:
    scheduler_name: str = "npusched"
    namespace: str | None = None
    period: float = 5.0
    debounce: float = 0.2
    dry_run: bool = False
    once: bool = False


class Scheduler:
    def __init__(
        self,
        options: Options,
        feed: Feed,
        informers: list[Informer],
        state: StateStore | None,
        elector: LeaseElector | None,
        reporter: Reporter,
        binder: Binder,
        actor: FaultActor,
        metrics: Metrics,
        stop: threading.Event,
        *,
        out: IO[str] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.o, self.feed, self.informers, self.state, self.elector = options, feed, informers, state, elector
        self.reporter, self.binder, self.actor, self.metrics, self.stop = reporter, binder, actor, metrics, stop
        self.out = out or sys.stdout
        self.clock = clock
        self._term = 0
        self._printed: dict[tuple[str, str], str] = {}

    # -- who may act ----------------------------------------------------------

    def acting(self) -> bool:
        """Writes are allowed: not a dry run, and this replica leads right now."""
        if self.o.dry_run or self.stop.is_set():
            return False
        return self.elector is None or self.elector.is_leader()

    def _in_scope(self, pod_key: str) -> bool:
        return not self.o.namespace or pod_key.split("/", 1)[0] == self.o.namespace

    # -- dry run output -----------------------------------------------------------

    def _print(self, decision: dict[str, Any]) -> None:
        """One JSON line per decision; in a long dry run, only decisions that changed."""
        text = json.dumps(decision, separators=(",", ":"), ensure_ascii=False)
        key = (decision["decision"] if decision["decision"] in ("delete", "annotate") else "plan", decision["pod"])
        if not self.o.once and self._printed.get(key) == text:
            return
        self._printed[key] = text
        self.out.write(text + "\n")
        self.out.flush()

    # -- the cycle -----------------------------------------------------------------

    def cycle(self) -> dict[str, int]:
        """One cycle; returns counts (for logs and tests)."""
        started = time.monotonic()
        now = int(self.clock())
        counts = {"bound": 0, "unschedulable": 0, "actions": 0, "pending": 0}
        if self.elector is not None and self.elector.term != self._term and self.state is not None:
            self.state.load()  # a new term: the previous leader may have written it
            self._term = self.elector.term

        for kind, obj, message in self.feed.take_malformed():
            if kind == "Pod" and self.acting():
                self.reporter.event(obj, "Warning", "InvalidObject", f"npusched cannot read this pod: {message}")

        fault_state = self.state.state if self.state is not None else None
        report = self.feed.cluster.faults(now=now, state=fault_state)
        actions = [a for a in report["actions"] if self._in_scope(a["pod"])]
        counts["actions"] = len(actions)
        if self.o.dry_run:
            for a in actions:
                self._print({"decision": a["action"], "pod": a["pod"], "mode": a["mode"], "reason": a["reason"]})
        else:
            self.actor.act(actions)
        if self.state is not None:
            self.state.state = report["state"]
            if self.acting():
                self.state.save()

        plan = self.feed.cluster.plan(now=now, state=report["state"])
        bindings = [b for b in plan["bindings"] if self._in_scope(b["pod"])]
        unplaced = [u for u in plan["unschedulable"] if self._in_scope(u["pod"])]
        counts["pending"] = len(bindings) + len(unplaced)
        self.metrics.pending_pods.set(counts["pending"])
        by_reason: dict[tuple[str, ...], float] = {}
        for u in unplaced:
            by_reason[(u["reason"],)] = by_reason.get((u["reason"],), 0) + 1
        self.metrics.unschedulable.replace(by_reason)

        if self.o.dry_run:
            for b in bindings:
                self._print({"decision": "bind", "pod": b["pod"], "node": b["node"], "chips": b["chips"], "annotations": b["annotations"]})
            for u in unplaced:
                self._print({"decision": "unschedulable", "pod": u["pod"], "group": u["group"], "reason": u["reason"], "message": u["message"]})
            counts["bound"], counts["unschedulable"] = 0, len(unplaced)
        else:
            records = self.state.gangs if self.state is not None else []
            before = self.metrics.bound.get()
            records = self.binder.bind(bindings, records)
            counts["bound"] = int(self.metrics.bound.get() - before)
            for u in unplaced:
                if not self.acting():
                    break
                pod = self.feed.get("Pod", u["pod"])
                if pod is not None:
                    counts["unschedulable"] += self.reporter.unschedulable(pod, u["reason"], u["message"])
            self.reporter.forget_except({u["pod"] for u in unplaced})
            records = self.binder.resolve(records)
            if self.state is not None:
                self.state.gangs = records
                if self.acting():
                    self.state.save()

        self.metrics.cycles.inc()
        self.metrics.cycle_duration.observe(time.monotonic() - started)
        return counts

    def safe_cycle(self) -> dict[str, int] | None:
        """A cycle that never ends the loop: any error is logged and counted."""
        try:
            return self.cycle()
        except Exception:
            log.exception("cycle failed; the next one starts over from the model")
            return None

    # -- the loop -----------------------------------------------------------------

    def wait_synced(self, timeout: float | None = None) -> bool:
        deadline = None if timeout is None else time.monotonic() + timeout
        for inf in self.informers:
            while not inf.synced.wait(0.2):
                if self.stop.is_set() or (deadline is not None and time.monotonic() > deadline):
                    return False
        return True

    def run(self) -> None:
        """Cycles until ``stop``: after a change (debounced) or every ``period`` seconds."""
        self.wait_synced()
        log.info("model synced: %s", self.feed.cluster.stats)
        last = 0.0
        while not self.stop.is_set():
            changed = self.feed.changed.wait(timeout=max(0.0, self.o.period - (time.monotonic() - last)))
            if self.stop.is_set():
                break
            if changed and self.o.debounce > 0:
                self.stop.wait(self.o.debounce)  # let a burst of events arrive
            self.feed.changed.clear()
            last = time.monotonic()
            if self.o.dry_run or self.acting():
                self.safe_cycle()
