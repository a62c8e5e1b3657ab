"""``npusched scheduler``: a Kubernetes secondary scheduler on the live model.

It watches the objects the model reads, feeds them to :class:`npusched.Cluster`,
and on the leader runs cycles of ``faults`` → act → ``plan`` → bind → report
(docs/scheduler.md). Needs the ``kubernetes`` client: ``pip install 'npusched[scheduler]'``.
Only :mod:`.backend` imports it.
"""

from .main import Runner, add_arguments, parse, run

__all__ = ["Runner", "add_arguments", "parse", "run"]
