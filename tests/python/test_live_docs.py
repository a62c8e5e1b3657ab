"""The example in docs/live.md runs and its assertions hold."""

from __future__ import annotations

import re

from conftest import REPO

_EXAMPLE = re.compile(r"<!-- example: live -->\n```python\n(?P<code>.*?)```", re.DOTALL)


def test_the_live_example_runs() -> None:
    match = _EXAMPLE.search((REPO / "docs" / "live.md").read_text(encoding="utf-8"))
    assert match, "docs/live.md has no example block"
    exec(compile(match.group("code"), "docs/live.md", "exec"), {})
