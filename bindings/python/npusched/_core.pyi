"""Type stubs for the private extension module ``npusched._core``.

Kept in sync with the compiled module by tests/python/test_stub.py.
"""

def plan_json(
    snapshot_json: str,
    now: int,
    scheduler_name: str = "volcano",
    super_pod_size: int | None = None,
    reserve_nodes: int | None = None,
    extra_objects_json: str = "",
    fault_state_json: str = "",
) -> str:
    """Decode a Kubernetes List, plan its pending pods, return the plan as JSON text.

    ``super_pod_size`` and ``reserve_nodes`` override the snapshot's init-params;
    ``extra_objects_json`` (an array or List) adds what-if objects; ``fault_state_json``
    makes each fault job's previous fault nodes score lower for its replacements.
    Raises ``npusched.InvalidInput`` when the document cannot be read.
    """

def explain_json(
    snapshot_json: str,
    kind: str,
    target: str,
    now: int,
    scheduler_name: str = "volcano",
    super_pod_size: int | None = None,
    reserve_nodes: int | None = None,
    extra_objects_json: str = "",
    fault_state_json: str = "",
) -> str:
    """Plan a Kubernetes List and explain one target (``kind`` pod, group or service;
    ``target`` ``NAMESPACE/NAME``) as JSON text.

    Raises ``npusched.InvalidInput`` for a bad document or a target that is neither
    pending nor running.
    """

def faults_json(snapshot_json: str, now: int, state_json: str = "", scheduler_name: str = "volcano") -> str:
    """Decide fault isolation and rescheduling; return the report (with the next state) as JSON text.

    Raises ``npusched.InvalidInput`` for a bad document or state.
    """

def show_svg(
    snapshot_json: str,
    scheduler_name: str = "volcano",
    super_pod_size: int | None = None,
    reserve_nodes: int | None = None,
    extra_objects_json: str = "",
    fault_state_json: str = "",
    title: str = "",
) -> str:
    """Decode a Kubernetes List, plan it as ``plan_json`` does, return the picture as SVG text.

    ``title`` is the heading (empty: a default). Raises ``npusched.InvalidInput``
    when the document cannot be read.
    """

def synthetic_snapshot_json(nodes: int, seed: int = 1) -> str:
    """A seeded synthetic cluster of ``nodes`` nodes as a Kubernetes List (JSON text)."""

def demo_snapshot_json() -> str:
    """The built-in demo cluster and its pending pods as a Kubernetes List (JSON text)."""

def version() -> str:
    """The package version the extension was built as."""
