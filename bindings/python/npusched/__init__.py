"""npusched: deterministic placement decisions for Ascend NPU clusters.

>>> import npusched
>>> result = npusched.plan(npusched.demo_snapshot(), now=1700000000)
>>> sorted(result)
['bindings', 'excluded_nodes', 'gangs', 'summary', 'super_pod_jobs', 'unschedulable']

Input goes through the C++ Kubernetes adapter, whether it comes as JSON text,
a dict or ``kubernetes`` client model objects. Bad input raises
:class:`InvalidInput`; a pod that does not fit is data, not an error.
"""

from ._api import __version__, demo_snapshot, faults, plan
from ._cluster import Cluster
from ._errors import Error, InvalidInput
from ._explain import defrag, explain
from ._generate import generate
from ._metrics import metrics
from ._ome import expand, render
from ._show import show

__all__ = [
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
]
