"""OME documents in, the objects their controllers would create out.

The expansion itself is the C++ adapter's (``_core.expand_json``); this
module only turns what a Python caller holds — paths, text, dicts,
``kubernetes`` client models — into (name, text) documents for it.
"""

from __future__ import annotations

import json
from typing import Any

from . import _core
from ._api import documents, snapshot_text

__all__ = ["expand", "render"]


def expand(add: Any, *, context: Any = None) -> dict[str, Any]:
    """Expands OME documents (an InferenceService with its ServingRuntime or
    ClusterServingRuntime and, when known, its BaseModel / ClusterBaseModel;
    or the MindCluster deployment tool's config) into what OME, the
    Deployment / LeaderWorkerSet controllers and Volcano would create.

    ``add`` is one item or a list; an item is a path (``os.PathLike``, or a
    ``str`` of one line that does not start with ``{`` or ``[``), document
    text (a ``str`` with a line break or starting with ``{``/``[``, or UTF-8
    ``bytes``), a dict, or a ``kubernetes`` client model object. Runtimes and models not among them
    are looked up in ``context`` (a snapshot in any form :func:`npusched.plan`
    accepts). Returns ``{"services": [...], "warnings": [...], "applied":
    [...], "objects": [...]}``: per service, role and instance the pods and
    PodGroup; what OME would refuse or probably not mean; what ``kubectl
    apply`` would get; and the created objects, ready to add to a snapshot's
    ``items``. Raises :class:`npusched.InvalidInput` for a bad document.
    """
    result: dict[str, Any] = json.loads(_core.expand_json(documents(add), _context(context)))
    return result


def render(add: Any, *, context: Any = None) -> str:
    """The expansion as YAML documents: what ``kubectl apply`` would get,
    then what the controllers would create (``npusched ome render``)."""
    return _core.render_yaml(documents(add), _context(context))


def _context(context: Any) -> str:
    return "" if context is None else snapshot_text(context, "context")
