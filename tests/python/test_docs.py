"""The command outputs shown in the docs are the real outputs.

A fenced block right after a line `<!-- output: npusched ARGS... -->` must be
exactly what `npusched ARGS...` prints, run from the repository root.
"""

from __future__ import annotations

import re
import shlex

import pytest

from conftest import REPO, RunCli

_BLOCK = re.compile(r"<!-- output: npusched (?P<args>[^\n]*?) -->\n```[a-z]*\n(?P<body>.*?)```", re.DOTALL)
_DOCS = ["docs/kubernetes.md", "README.md"]


def _blocks() -> list[tuple[str, str, str]]:
    out = []
    for doc in _DOCS:
        for m in _BLOCK.finditer((REPO / doc).read_text(encoding="utf-8")):
            out.append((doc, m.group("args"), m.group("body")))
    return out


def test_the_docs_show_outputs() -> None:
    docs = {doc for doc, _, _ in _blocks()}
    assert "docs/kubernetes.md" in docs
    assert len([b for b in _blocks() if b[0] == "docs/kubernetes.md"]) >= 2


@pytest.mark.parametrize(("doc", "args", "body"), _blocks(), ids=lambda v: str(v)[:60])
def test_docs_block_is_the_real_output(run_cli: RunCli, doc: str, args: str, body: str) -> None:
    proc = run_cli(*shlex.split(args), cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.decode("utf-8") == body, f"{doc}: `npusched {args}` prints something else"
