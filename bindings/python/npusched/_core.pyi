"""Type stubs for the private extension module ``npusched._core``.

Kept in sync with the compiled module by tests/python/test_stub.py.
"""

MAX_INPUT_BYTES: int
"""Largest document, in bytes, any entry point reads (docs/limits.md)."""
MAX_NESTING_DEPTH: int
"""Deepest nesting of arrays and objects in a document (docs/limits.md)."""

def plan_json(
    snapshot_json: str,
    now: int,
    scheduler_name: str = "volcano",
    super_pod_size: int | None = None,
    reserve_nodes: int | None = None,
    extra_objects_json: str = "",
    fault_state_json: str = "",
    add: list[tuple[str, str]] = [],
    policy: str = "npusched",
    policy_seed: int = 0,
) -> str:
    """Decode a Kubernetes List, plan its pending pods, return the plan as JSON text.

    ``super_pod_size`` and ``reserve_nodes`` override the snapshot's init-params;
    ``extra_objects_json`` (an array or List) adds what-if objects; ``fault_state_json``
    makes each fault job's previous fault nodes score lower for its replacements;
    ``add`` ((name, text) pairs, YAML or JSON) adds OME documents, deployment-tool
    configs or plain objects, expanded first.
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
    add: list[tuple[str, str]] = [],
) -> str:
    """Plan a Kubernetes List and explain one target (``kind`` pod, group or service;
    ``target`` ``NAMESPACE/NAME``) as JSON text.

    Raises ``npusched.InvalidInput`` for a bad document or a target that is neither
    pending nor running.
    """

def expand_json(documents: list[tuple[str, str]], context_json: str = "") -> str:
    """Expand OME documents; return {"services","warnings","applied","objects"} as JSON text.

    Raises ``npusched.InvalidInput`` for a bad document.
    """

def render_yaml(documents: list[tuple[str, str]], context_json: str = "") -> str:
    """The expansion as YAML documents (what ``npusched ome render`` prints).

    Raises ``npusched.InvalidInput`` for a bad document.
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
    add: list[tuple[str, str]] = [],
    title: str = "",
) -> str:
    """Decode a Kubernetes List, plan it as ``plan_json`` does, return the picture as SVG text.

    ``title`` is the heading (empty: a default). Raises ``npusched.InvalidInput``
    when the document cannot be read.
    """

def synthetic_snapshot_json(
    nodes: int,
    seed: int = 1,
    mix: str = "",
    super_pod_size: int = 48,
    occupancy: float = 0.5,
    chip_fault_rate: float = 0.01,
    node_fault_rate: float = 0.005,
    pending_pods: int = 0,
) -> str:
    """A seeded synthetic cluster as a Kubernetes List (JSON text); ``mix`` is ``type:share,...``
    (empty: the default). Raises npusched.InvalidInput for options out of range."""

def metrics_json(
    snapshot_json: str,
    scheduler_name: str = "volcano",
    block_nodes: list[int] = [],
    request_sizes: list[int] = [],
    legal_sizes: bool = False,
) -> str:
    """Fragmentation metrics of a Kubernetes List as compact JSON (docs/metrics.md)."""

def demo_snapshot_json() -> str:
    """The built-in demo cluster and its pending pods as a Kubernetes List (JSON text)."""

def serving_demo_snapshot_json() -> str:
    """The serving demo's cluster (A2, an A3 SuperPoD, CPU-only nodes) as a Kubernetes List (JSON text)."""

def version() -> str:
    """The package version the extension was built as."""

class LiveCluster:
    """A cluster model fed by watch events (docs/live.md); every method releases the GIL."""

    def __init__(self, scheduler_name: str = "volcano") -> None: ...
    def load(self, list_json: str) -> None:
        """Replace the state with a Kubernetes List (JSON text)."""
    def apply(self, type: str, object_json: str) -> tuple[str, str, str]:
        """Apply one event; return (outcome, object, held_version)."""
    def apply_many(self, events_json: str) -> list[tuple[str, str, str]]:
        """Apply a JSON array of {type, object} events as one step."""
    def plan_json(
        self,
        now: int,
        super_pod_size: int | None = None,
        reserve_nodes: int | None = None,
        fault_state_json: str = "",
        policy: str = "npusched",
        policy_seed: int = 0,
    ) -> str:
        """The plan of the current state as compact JSON; ``policy``: npusched, first-fit, random-ties, block-fit."""
    def faults_json(self, now: int, state_json: str = "") -> str:
        """The fault decisions of the current state as compact JSON."""
    def explain_json(
        self,
        kind: str,
        target: str,
        now: int,
        super_pod_size: int | None = None,
        reserve_nodes: int | None = None,
        fault_state_json: str = "",
    ) -> str:
        """The explanation of one target as compact JSON."""
    def stats(self) -> tuple[int, int, int, int]:
        """(nodes, pods, cluster_nodes, pending_pods)."""
