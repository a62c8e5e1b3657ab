"""Retries and error counts of the scheduler's API calls, on the in-memory fake."""

from __future__ import annotations

import threading

import pytest

pytest.importorskip("kubernetes")

from npusched.scheduler.api import Api, ApiError, Backoff  # noqa: E402
from npusched.scheduler.backend import BackendError  # noqa: E402
from npusched.scheduler.metrics import Metrics  # noqa: E402
from scheduler_fake import FakeBackend, pod  # noqa: E402


def _api(fake: FakeBackend, attempts: int = 5) -> tuple[Api, Metrics, list[float]]:
    metrics, sleeps = Metrics(), []
    return Api(fake, metrics, Backoff(3, base=0.1, cap=0.4), attempts=attempts, sleep=sleeps.append), metrics, sleeps


def test_backoff_is_capped_exponential_with_seeded_jitter() -> None:
    a, b = Backoff(42, base=0.1, cap=1.0), Backoff(42, base=0.1, cap=1.0)
    delays = [a.delay(i) for i in range(8)]
    assert delays == [b.delay(i) for i in range(8)]  # same seed, same delays
    for i, d in enumerate(delays):
        ceiling = min(1.0, 0.1 * 2**i)
        assert ceiling / 2 <= d < ceiling
    assert Backoff(43, base=0.1, cap=1.0).delay(0) != delays[0]


@pytest.mark.parametrize("error", [BackendError(500, "http", "boom"), BackendError(503, "http", "busy"),
                                   BackendError(429, "http", "slow down"), BackendError(None, "timeout", "read timed out"),
                                   BackendError(None, "connection", "refused"), BackendError(409, "http", "conflict")])
def test_patch_retries_transient_errors_and_counts_them(error: BackendError) -> None:
    fake = FakeBackend()
    fake.put(pod("p", 1))
    fake.fail("patch_pod", error, error)
    api, metrics, sleeps = _api(fake)
    out = api.patch_pod("serving", "p", {"metadata": {"annotations": {"a": "b"}}})
    assert out["metadata"]["annotations"]["a"] == "b"
    assert len(fake.verbs("patch_pod")) == 3
    assert len(sleeps) == 2 and sleeps[1] > sleeps[0] / 2
    assert metrics.api_errors.get("patch pod", error.code) == 2
    assert f'npusched_api_errors_total{{verb="patch pod",code="{error.code}"}} 2' in metrics.render()


def test_permanent_errors_are_not_retried() -> None:
    fake = FakeBackend()
    api, metrics, sleeps = _api(fake)
    fake.fail("bind_pod", BackendError(409, "http", "already assigned"))
    with pytest.raises(ApiError) as e:
        api.bind_pod("serving", "p", "", "n0")
    assert e.value.status == 409 and len(fake.verbs("bind_pod")) == 1 and not sleeps
    with pytest.raises(ApiError) as e:  # not found: an answer, not an accident
        api.patch_pod("serving", "missing", {})
    assert e.value.status == 404 and metrics.api_errors.get("patch pod", "404") == 1


def test_out_of_attempts_raises_with_the_last_error() -> None:
    fake = FakeBackend()
    fake.put(pod("p", 1))
    fake.fail("delete_pod", *[BackendError(500, "http", f"boom {i}") for i in range(3)])
    api, metrics, sleeps = _api(fake, attempts=3)
    with pytest.raises(ApiError, match="boom 2"):
        api.delete_pod("serving", "p", "", 0)
    assert len(sleeps) == 2 and metrics.api_errors.get("delete pod", "500") == 3
    assert fake.pod("serving", "p") is not None


def test_stop_ends_retrying() -> None:
    fake = FakeBackend()
    stop = threading.Event()
    stop.set()
    api = Api(fake, Metrics(), Backoff(1), stop=stop, sleep=lambda s: None)
    fake.fail("get_pod", BackendError(500, "http", "boom"))
    with pytest.raises(ApiError):
        api.get_pod("serving", "p")
    assert len(fake.verbs("get_pod")) == 1
