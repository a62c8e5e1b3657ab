"""The installed package works from anywhere, not only from the repository."""

from __future__ import annotations

import doctest
import os
import subprocess
import sys
from pathlib import Path

import npusched

REPO = Path(__file__).resolve().parents[2]


def test_import_from_another_directory(tmp_path: Path) -> None:
    code = "import npusched, npusched._core as c; print(npusched.__file__); print(c.__file__)"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True, timeout=60
    ).stdout.splitlines()
    assert len(out) == 2
    package, extension = (Path(p).resolve() for p in out)
    assert REPO / "bindings" not in package.parents
    if os.environ.get("NPUSCHED_UNDER_ASAN"):
        # tools/python-asan assembles the package beside the sanitized extension
        assert package.parent.parent == Path(os.environ["PYTHONPATH"]).resolve()
    else:
        assert "site-packages" in package.parts
    assert package.parent == extension.parent
    assert package.name == "__init__.py"


def test_package_docstring_examples() -> None:
    failures, tried = doctest.testmod(npusched, verbose=False)
    assert tried > 0 and failures == 0
