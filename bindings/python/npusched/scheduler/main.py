"""``npusched scheduler``: the flags, and the wiring of watches, elector, cycle and metrics."""

from __future__ import annotations

import argparse
import logging
import os
import re
import signal
import socket
import sys
import threading
import zlib
from collections.abc import Callable
from typing import Any

__all__ = ["Runner", "add_arguments", "parse", "run"]

log = logging.getLogger("npusched.scheduler")

_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
PIP_HINT = "pip install 'npusched[scheduler]'"


def _positive(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not v > 0 or v != v or v == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds: {text}")
    return v


def _non_negative(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not v >= 0 or v == float("inf"):
        raise argparse.ArgumentTypeError(f"must be zero or a positive number of seconds: {text}")
    return v


def _integer(lo: int, hi: int) -> Callable[[str], int]:
    """An argparse type: a decimal integer in ``lo..hi``."""

    def parse(text: str) -> int:
        try:
            v = int(text, 10)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
        if not lo <= v <= hi:
            raise argparse.ArgumentTypeError(f"out of range ({lo}..{hi}): {text}")
        return v

    return parse


_port = _integer(0, 65535)
_workers = _integer(1, 64)


def _name(text: str) -> str:
    if len(text) > 253 or not _DNS_SUBDOMAIN.match(text):
        raise argparse.ArgumentTypeError(f"not a Kubernetes object name (lower-case DNS subdomain): {text!r}")
    return text


def _namespace(text: str) -> str:
    if len(text) > 63 or not _DNS_LABEL.match(text):
        raise argparse.ArgumentTypeError(f"not a namespace name (lower-case DNS label): {text!r}")
    return text


def _ref(text: str) -> tuple[str, str]:
    ns, sep, name = text.partition("/")
    if not sep:
        raise argparse.ArgumentTypeError(f"expected NAMESPACE/NAME, got {text!r}")
    return _namespace(ns), _name(name)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--kubeconfig", metavar="FILE", default=None,
                   help="kubeconfig to use (default: the in-cluster service account, else $KUBECONFIG or ~/.kube/config)")
    p.add_argument("--scheduler-name", type=_name, default="npusched", metavar="NAME",
                   help="schedule the pods whose spec.schedulerName is NAME (default: npusched); also the Events' source")
    p.add_argument("--namespace", type=_namespace, default=None, metavar="NS",
                   help="schedule only pending pods in this namespace (pods elsewhere still count for chips held)")
    p.add_argument("--once", action="store_true", help="list once, run one cycle, exit 0")
    p.add_argument("--dry-run", action="store_true",
                   help="plan and print the decisions as JSON lines; write nothing (no patches, bindings, deletions, "
                   "Events, state, lease)")
    p.add_argument("--metrics-port", type=_port, default=0, metavar="PORT",
                   help="serve Prometheus metrics on :PORT/metrics (default 0: off)")
    p.add_argument("--bind-workers", type=_workers, default=8, metavar="N",
                   help="bind up to N gangs at once (1..64, default 8); the members of one gang always in order")
    p.add_argument("--period", type=_positive, default=5.0, metavar="SECONDS",
                   help="run a cycle at least this often (default 5)")
    p.add_argument("--debounce", type=_non_negative, default=0.2, metavar="SECONDS",
                   help="after a change, wait this long for more before the cycle (default 0.2)")
    p.add_argument("--state-configmap", type=_ref, default=None, metavar="NS/NAME",
                   help="where the fault state is kept (default: npusched-state in the scheduler's namespace)")
    p.add_argument("--lease", type=_ref, default=None, metavar="NS/NAME",
                   help="the leader-election Lease (default: <scheduler's namespace>/<scheduler-name>)")
    p.add_argument("--lease-duration", type=_positive, default=15.0, metavar="SECONDS",
                   help="how long a lease not renewed stays its holder's (default 15)")
    p.add_argument("--renew-deadline", type=_positive, default=10.0, metavar="SECONDS",
                   help="the leader stops acting when it could not renew for this long (default 10)")
    p.add_argument("--retry-period", type=_positive, default=2.0, metavar="SECONDS",
                   help="how often to try to take or renew the lease (default 2)")
    p.add_argument("--log-level", choices=("debug", "info", "warning", "error"), default="info",
                   help="log verbosity on standard error (default info)")


def parse(argv: list[str]) -> argparse.Namespace:
    """The flags of ``npusched scheduler`` (as the command line gives them) as a Namespace."""
    p = argparse.ArgumentParser(prog="npusched scheduler")
    add_arguments(p)
    return p.parse_args(argv)


def _usage_error(parser: argparse.ArgumentParser | None, message: str) -> int:
    print(f"npusched scheduler: error: {message}", file=sys.stderr)
    return 2


class Runner:
    """One scheduler, wired and not yet started: the watches, the elector, the
    cycle and the metrics server. :func:`run` drives one for the command line;
    tests drive one in-process (``backend_wrapper`` lets them put a hook
    between the scheduler and the real API server)."""

    def __init__(self, args: argparse.Namespace, api_client: Any, *,
                 backend_wrapper: Callable[[Any], Any] | None = None, identity: str | None = None) -> None:
        from .. import Cluster
        from .api import Api, Backoff
        from .backend import ClientBackend, own_namespace
        from .binder import Binder
        from .cycle import Options, Scheduler
        from .faults import FaultActor
        from .informer import STREAMS, Feed, Informer
        from .leader import LeaseElector
        from .metrics import Metrics
        from .report import Reporter
        from .state import StateStore

        own_ns = own_namespace(args.kubeconfig)
        self.identity = identity or f"{socket.gethostname()}_{os.getpid()}"
        self.stop = threading.Event()
        self.metrics = metrics = Metrics()
        backend: Any = ClientBackend(api_client)
        if backend_wrapper is not None:
            backend = backend_wrapper(backend)
        api = Api(backend, metrics, Backoff(zlib.crc32(self.identity.encode())), stop=self.stop)
        self.feed = feed = Feed(Cluster(scheduler_name=args.scheduler_name), metrics,
                                scheduler_name=args.scheduler_name, namespace=args.namespace)
        self.informers = [Informer(s, api, feed, self.stop, optional=bool(s.group)) for s in STREAMS]
        state_ns, state_name = args.state_configmap or (own_ns, "npusched-state")
        self.state = StateStore(api, state_ns, state_name, component=args.scheduler_name)
        lease_ns, lease_name = args.lease or (own_ns, args.scheduler_name)
        self.elector = None if args.dry_run else LeaseElector(
            api, metrics, lease_ns, lease_name, self.identity, lease_duration=args.lease_duration,
            renew_deadline=args.renew_deadline, retry_period=args.retry_period)
        acting = self.acting
        reporter = Reporter(api, component=args.scheduler_name, instance=self.identity, acting=acting)
        binder = Binder(api, feed, reporter, metrics, acting=acting, workers=args.bind_workers)
        actor = FaultActor(api, feed, reporter, metrics, acting=acting)
        options = Options(scheduler_name=args.scheduler_name, namespace=args.namespace, period=args.period,
                          debounce=args.debounce, dry_run=args.dry_run, once=args.once)
        self.scheduler = Scheduler(options, feed, self.informers, self.state, self.elector, reporter, binder,
                                   actor, metrics, self.stop)
        self.args = args
        self.server: Any = None
        self._threads: list[threading.Thread] = []
        log.info("npusched scheduler %s: scheduler-name %s, namespace %s, state %s, lease %s", self.identity,
                 args.scheduler_name, args.namespace or "(all)", self.state.where,
                 self.elector.where if self.elector else "(dry run: none)")

    def acting(self) -> bool:
        return bool(self.scheduler.acting())

    def serve_metrics(self) -> None:
        from .metrics import serve

        if self.args.metrics_port:
            self.server = serve(self.metrics, self.args.metrics_port)

    def start(self) -> None:
        """Starts the watches, the elector and the loop in threads, and returns."""
        self.serve_metrics()
        if self.args.dry_run:
            _load_state(self.state)
        for inf in self.informers:
            inf.start()
        if self.elector is not None:
            self._spawn(self.elector.run, "npusched-lease", self.stop)
        self._spawn(self.scheduler.run, "npusched-cycle")

    def _spawn(self, target: Callable[..., Any], name: str, *args: Any) -> None:
        t = threading.Thread(target=target, args=args, name=name, daemon=True)
        t.start()
        self._threads.append(t)

    def once(self) -> int:
        self.serve_metrics()
        return _once(self.scheduler, self.informers, self.state, self.elector)

    def close(self, timeout: float = 10.0) -> None:
        """Stops every thread, gives up the Lease, stops the metrics server."""
        self.stop.set()
        for t in self._threads:
            t.join(timeout)
        if self.elector is not None:
            self.elector.release()
        if self.server is not None:
            self.server.shutdown()
            self.server = None


def run(args: argparse.Namespace) -> int:
    """Runs the scheduler until SIGTERM / SIGINT (or one cycle with ``--once``)."""
    if not args.lease_duration > args.renew_deadline > args.retry_period:
        return _usage_error(None, "need --lease-duration > --renew-deadline > --retry-period, got "
                            f"{args.lease_duration:g}, {args.renew_deadline:g}, {args.retry_period:g}")
    try:
        import kubernetes  # noqa: F401
    except ImportError:
        print("npusched scheduler: error: the `kubernetes` client is not installed; install the extra with:\n"
              f"  {PIP_HINT}", file=sys.stderr)
        return 2
    logging.basicConfig(level=args.log_level.upper(), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(threadName)s %(message)s")
    from .backend import connections_needed, load_config

    try:
        api_client = load_config(args.kubeconfig, connections=connections_needed(args.bind_workers))
    except Exception as e:  # the config loaders raise several kinds
        print(f"npusched scheduler: error: no usable Kubernetes configuration: {e}", file=sys.stderr)
        return 2
    runner = Runner(args, api_client)
    try:
        if args.once:
            return runner.once()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: runner.stop.set())
        runner.start()
        runner.stop.wait()
        return 0
    finally:
        runner.close()


def _load_state(state: Any) -> None:
    from .api import ApiError

    try:
        state.load()
    except ApiError as e:
        log.warning("%s not read: %s; starting with an empty fault state", state.where, e)


def _once(sched: Any, informers: list[Any], state: Any, elector: Any) -> int:
    from .api import ApiError

    for inf in informers:
        try:
            inf.list_once()
        except ApiError as e:
            log.error("%s: list failed: %s", inf.stream.name, e)
            return 1
    if elector is not None and not elector.try_acquire_or_renew():
        log.warning("%s is held by another replica: nothing done", elector.where)
        return 0
    if elector is None:
        _load_state(state)
    counts = sched.cycle()
    log.info("one cycle: %s", counts)
    return 0
