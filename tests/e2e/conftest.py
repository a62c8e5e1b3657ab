"""Fixtures for the e2e suite: one apiserver per session, one namespace per test."""

import itertools
import os
import subprocess
import sys

import kubernetes.client
import pytest

sys.path.insert(0, os.path.dirname(__file__))
from harness import APIServer  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def _bin_dir() -> str:
    if os.environ.get("NPUSCHED_E2E_BIN"):
        return os.environ["NPUSCHED_E2E_BIN"]
    r = subprocess.run([os.path.join(ROOT, "tools", "e2e-build")], stdout=subprocess.PIPE, text=True)
    if r.returncode == 3:
        pytest.skip("SKIPPED: Go not found, so kube-apiserver/etcd cannot be built "
                    "(see tools/e2e-build's notice above)")
    if r.returncode != 0:
        pytest.fail(f"tools/e2e-build failed with exit {r.returncode}")
    return r.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="session")
def e2e_bin() -> str:
    """The directory holding kube-apiserver and etcd (built once, cached)."""
    return _bin_dir()


@pytest.fixture(scope="session")
def apiserver(e2e_bin):
    server = APIServer(e2e_bin)
    server.start()
    try:
        server.install_crds()
        yield server
    finally:
        server.stop()


_ns_counter = itertools.count(1)


@pytest.fixture
def namespace(apiserver):
    core = kubernetes.client.CoreV1Api(apiserver.client())
    name = f"e2e-{next(_ns_counter)}"
    core.create_namespace({"metadata": {"name": name}})
    yield name
    core.delete_namespace(name)
