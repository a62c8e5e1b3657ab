"""Leader election on a Lease, on the in-memory fake: one leader, takeover only
after expiry, losing the lease stops writes at once, release on shutdown."""

from __future__ import annotations

import pytest

pytest.importorskip("kubernetes")

from npusched.scheduler.api import Api, Backoff  # noqa: E402
from npusched.scheduler.backend import BackendError  # noqa: E402
from npusched.scheduler.leader import LeaseElector  # noqa: E402
from npusched.scheduler.metrics import Metrics  # noqa: E402
from scheduler_fake import Clock, FakeBackend, Rig, pod, podgroup, small_world  # noqa: E402


def _elector(fake: FakeBackend, identity: str, clock: Clock) -> LeaseElector:
    api = Api(fake, Metrics(), Backoff(1), sleep=lambda s: None)
    return LeaseElector(api, api.metrics, "ns", "lease", identity, monotonic=clock, wall=clock)


def test_one_leader_and_takeover_only_after_expiry() -> None:
    fake, clock = FakeBackend(), Clock()
    a, b = _elector(fake, "a", clock), _elector(fake, "b", clock)
    assert a.try_acquire_or_renew() and a.is_leader() and a.term == 1
    assert not b.try_acquire_or_renew() and not b.is_leader()
    spec = fake.objects["Lease"][("ns", "lease")]["spec"]
    assert spec["holderIdentity"] == "a" and spec["leaseDurationSeconds"] == 15 and spec["leaseTransitions"] == 0
    clock.t += 10
    assert a.try_acquire_or_renew()  # renewed: b keeps waiting
    clock.t += 10
    assert not b.try_acquire_or_renew()
    clock.t += 14  # a stopped renewing 24 s ago, b has watched the same record for 14 s
    assert not b.try_acquire_or_renew()
    clock.t += 1.5
    assert b.try_acquire_or_renew() and b.is_leader()
    assert fake.objects["Lease"][("ns", "lease")]["spec"]["leaseTransitions"] == 1
    assert not a.is_leader()  # not renewed within the renew deadline
    assert not a.try_acquire_or_renew()  # and the lease is b's now


def test_renewal_failures_lose_leadership_at_the_deadline() -> None:
    fake, clock = FakeBackend(), Clock()
    a = _elector(fake, "a", clock)
    assert a.try_acquire_or_renew()
    fake.fail("get_lease", *[BackendError(503, "http", "unavailable")] * 10)
    clock.t += 6
    assert a.try_acquire_or_renew()  # still within the deadline
    clock.t += 4
    assert not a.try_acquire_or_renew() and not a.is_leader()
    assert a.metrics.is_leader.get() == 0


def test_release_lets_another_replica_take_over_at_once() -> None:
    fake, clock = FakeBackend(), Clock()
    a, b = _elector(fake, "a", clock), _elector(fake, "b", clock)
    assert a.try_acquire_or_renew()
    assert not b.try_acquire_or_renew()
    a.release()
    assert not a.is_leader()
    assert b.try_acquire_or_renew()


def test_losing_the_lease_mid_gang_stops_binding_at_once() -> None:
    fake = FakeBackend()
    small_world(fake, nodes=3)
    fake.put(podgroup("g", 3))
    for i in range(3):
        fake.put(pod(f"g-{i}", 8, group="g"))
    r = Rig(fake)

    def lose(ns: str, name: str, node: str) -> None:
        r.clock.t += 11  # the renewals stalled past the deadline
    fake.on_call["bind_pod"] = lose
    r.sched.cycle()
    assert len(fake.verbs("bind_pod")) == 1  # the first member only
    assert not r.sched.acting()
    assert r.metrics.half_bound.get() == 1 and r.state.gangs[0]["error"] == "this replica stopped leading"
    # The standby does nothing either, and the record of the half-bound gang waits for the leader.
    other = Rig(fake, identity="standby", leader=False, clock=r.clock)
    assert other.cycle()["bound"] == 0 and len(fake.verbs("bind_pod")) == 1


def test_a_standby_writes_nothing() -> None:
    fake = FakeBackend()
    small_world(fake, nodes=1)
    fake.put(pod("p", 2))
    fake.put(pod("big", 16))
    leader = Rig(fake, identity="leader", leader=False)
    assert leader.elector.try_acquire_or_renew()
    standby = Rig(fake, identity="standby", leader=False)
    before = len(fake.calls)
    assert not standby.elector.try_acquire_or_renew()  # tries, and loses to the holder
    standby.cycle()
    assert not standby.sched.acting()
    assert [c for c in fake.calls[before:] if c[0] not in ("list", "watch", "get_lease")] == []
