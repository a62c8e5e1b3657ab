"""The checked-in _core.pyi describes the compiled module exactly: the same
public names, and for each function the same parameter names and defaults."""

from __future__ import annotations

import ast
import inspect
import re
from importlib import resources

import npusched
from npusched import _core

Signature = list[tuple[str, str]]  # (name, default source or "")


def _stub() -> dict[str, Signature]:
    text = (resources.files("npusched") / "_core.pyi").read_text(encoding="utf-8")
    out: dict[str, Signature] = {}
    for node in ast.parse(text).body:
        if isinstance(node, ast.FunctionDef):
            args = node.args.args
            defaults = [""] * (len(args) - len(node.args.defaults)) + [ast.unparse(d) for d in node.args.defaults]
            out[node.name] = [(a.arg, d) for a, d in zip(args, defaults)]
        elif isinstance(node, ast.ClassDef):
            out[node.name] = []
        elif isinstance(node, (ast.AnnAssign, ast.Assign)):
            targets = [node.target] if isinstance(node, ast.AnnAssign) else node.targets
            out.update({t.id: [] for t in targets if isinstance(t, ast.Name)})
    return out


def _runtime_signature(func: object) -> Signature:
    """Parameters from pybind11's docstring signature `name(a: T, b: T = default) -> R`."""
    first = (func.__doc__ or "").splitlines()[0]
    match = re.fullmatch(rf"{func.__name__}\((.*)\) -> .*", first)  # type: ignore[attr-defined]
    assert match, f"unexpected pybind11 signature line: {first!r}"
    params: Signature = []
    for part in filter(None, (p.strip() for p in re.split(r",(?![^\[]*\])", match.group(1)))):
        name, _, rest = part.partition(":")
        _, _, default = rest.partition("=")
        params.append((name.strip(), ast.unparse(ast.parse(default.strip(), mode="eval")) if default else ""))
    return params


def test_stub_names_match_the_module() -> None:
    public = {name for name in dir(_core) if not name.startswith("_")}
    assert set(_stub()) == public


def test_stub_signatures_match_the_module() -> None:
    for name, params in _stub().items():
        member = getattr(_core, name)
        if callable(member) and not inspect.isclass(member):
            assert _runtime_signature(member) == params, name


def _stub_methods() -> dict[str, dict[str, Signature]]:
    text = (resources.files("npusched") / "_core.pyi").read_text(encoding="utf-8")
    out: dict[str, dict[str, Signature]] = {}
    for node in ast.parse(text).body:
        if isinstance(node, ast.ClassDef):
            methods: dict[str, Signature] = {}
            for f in node.body:
                if isinstance(f, ast.FunctionDef) and f.name != "__init__":
                    args = f.args.args[1:]
                    defaults = [""] * (len(args) - len(f.args.defaults)) + [ast.unparse(d) for d in f.args.defaults]
                    methods[f.name] = [(a.arg, d) for a, d in zip(args, defaults)]
            out[node.name] = methods
    return out


def test_stub_classes_match_the_module() -> None:
    for cls_name, methods in _stub_methods().items():
        cls = getattr(_core, cls_name)
        public = {name for name in dir(cls) if not name.startswith("_")}
        assert set(methods) == public, cls_name
        for name, params in methods.items():
            runtime = _runtime_signature(getattr(cls, name))
            assert runtime[1:] == params, f"{cls_name}.{name}"  # drop `self`


def test_package_is_typed() -> None:
    assert (resources.files("npusched") / "py.typed").is_file()


def test_init_only_reexports() -> None:
    assert set(npusched.__all__) == {
        "Cluster",
        "Error",
        "InvalidInput",
        "__version__",
        "demo_snapshot",
        "expand",
        "defrag",
        "explain",
        "faults",
        "generate",
        "metrics",
        "plan",
        "render",
        "show",
    }
    for name in npusched.__all__:
        assert hasattr(npusched, name)
    assert npusched.Error.__module__ == npusched.InvalidInput.__module__ == "npusched"
    assert inspect.signature(npusched.plan).parameters["now"].kind is inspect.Parameter.KEYWORD_ONLY
