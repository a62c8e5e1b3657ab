"""Shared fixtures. The tests import the *installed* npusched (pip install .),
never the source tree: bindings/python has no compiled _core."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

import npusched
import pytest
from npusched import _core

REPO = Path(__file__).resolve().parents[2]

RunCli = Callable[..., "subprocess.CompletedProcess[bytes]"]


def pytest_configure(config: pytest.Config) -> None:
    source = REPO / "bindings" / "python"
    imported = Path(npusched.__file__).resolve()
    if source in imported.parents:
        raise pytest.UsageError(f"npusched was imported from the source tree ({imported}); install it first")


@pytest.fixture(scope="session")
def now() -> int:
    return 1_700_000_000


@pytest.fixture(scope="session")
def demo_text() -> str:
    """The demo snapshot as the C++ adapter writes it."""
    return _core.demo_snapshot_json()


@pytest.fixture
def demo() -> dict[str, Any]:
    """A fresh copy of the demo snapshot as a dict (tests may change it)."""
    return npusched.demo_snapshot()


@pytest.fixture(scope="session")
def npusched_script() -> str:
    """The installed console script, next to this interpreter."""
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    script = shutil.which("npusched", path=path)
    assert script, "the npusched console script is not installed"
    return script


@pytest.fixture
def run_cli(npusched_script: str) -> RunCli:
    """Runs `npusched ARGS...` in a subprocess; returns the completed process (bytes)."""

    def run(*args: str, stdin: bytes = b"", cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run([npusched_script, *args], input=stdin, capture_output=True, timeout=120, cwd=cwd)

    return run


def pending_pod_names(doc: dict[str, Any]) -> list[str]:
    return [
        f"{i['metadata']['namespace']}/{i['metadata']['name']}"
        for i in doc["items"]
        if i["kind"] == "Pod" and not i["spec"].get("nodeName")
    ]


@pytest.fixture
def pending_names(demo: dict[str, Any]) -> list[str]:
    return pending_pod_names(demo)
