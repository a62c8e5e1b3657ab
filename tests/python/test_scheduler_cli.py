"""`npusched scheduler` flags, the missing-extra message and the metrics endpoint."""

from __future__ import annotations

import subprocess
import sys
import urllib.request

import pytest

from npusched.cli import main


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--period", "0"], "argument --period: must be a positive number of seconds: 0"),
        (["--debounce", "-1"], "argument --debounce: must be zero or a positive number of seconds: -1"),
        (["--metrics-port", "70000"], "argument --metrics-port: out of range (0..65535): 70000"),
        (["--state-configmap", "nope"], "argument --state-configmap: expected NAMESPACE/NAME, got 'nope'"),
        (["--lease", "Kube-System/x"], "argument --lease: not a namespace name (lower-case DNS label): 'Kube-System'"),
        (["--scheduler-name", "Bad_Name"], "argument --scheduler-name: not a Kubernetes object name"),
        (["--log-level", "loud"], "argument --log-level: invalid choice: 'loud'"),
    ],
)
def test_bad_flag_values_exit_2_with_the_flag_named(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as e:
        main(["scheduler", *argv])
    assert e.value.code == 2
    assert message in capsys.readouterr().err


def test_lease_timings_must_be_ordered(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scheduler", "--lease-duration", "10", "--renew-deadline", "10"]) == 2
    err = capsys.readouterr().err
    assert "need --lease-duration > --renew-deadline > --retry-period, got 10, 10, 2" in err


def test_unusable_kubeconfig_is_a_usage_error(tmp_path: object, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scheduler", "--kubeconfig", "/nonexistent/kubeconfig", "--once"]) == 2
    assert "no usable Kubernetes configuration" in capsys.readouterr().err


def test_without_the_kubernetes_client_the_pip_command_is_given() -> None:
    code = "import sys; sys.modules['kubernetes'] = None\nfrom npusched.cli import main\nsys.exit(main(['scheduler', '--once']))"
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd="/")
    assert p.returncode == 2 and p.stdout == ""
    assert "the `kubernetes` client is not installed" in p.stderr and "pip install 'npusched[scheduler]'" in p.stderr
    assert "Traceback" not in p.stderr


def test_metrics_endpoint_serves_the_text_format() -> None:
    from npusched.scheduler.metrics import Metrics, serve

    m = Metrics()
    m.bound.inc()
    m.api_errors.inc("create pod/binding", "503")
    m.unschedulable.replace({("insufficient_npu",): 2})
    m.cycle_duration.observe(0.03)
    m.is_leader.set(1)
    server = serve(m, 0, host="127.0.0.1")
    try:
        port = server.server_address[1]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as resp:
            assert resp.headers["Content-Type"].startswith("text/plain; version=0.0.4")
            body = resp.read().decode()
    finally:
        server.shutdown()
        server.server_close()
    for line in [
        "# TYPE npusched_cycle_duration_seconds histogram",
        'npusched_cycle_duration_seconds_bucket{le="0.025"} 0',
        'npusched_cycle_duration_seconds_bucket{le="0.05"} 1',
        'npusched_cycle_duration_seconds_bucket{le="+Inf"} 1',
        "npusched_cycle_duration_seconds_count 1",
        "npusched_bound_total 1",
        'npusched_api_errors_total{verb="create pod/binding",code="503"} 1',
        'npusched_unschedulable_pods{reason="insufficient_npu"} 2',
        "npusched_is_leader 1",
        "# TYPE npusched_watch_relists_total counter",
        "# TYPE npusched_pending_pods gauge",
    ]:
        assert line in body.splitlines(), line
