"""The exceptions npusched raises. Errors are mapped once, where they cross
into Python (the extension's exception translator looks these classes up
here), so callers catch these and nothing else."""

from __future__ import annotations

__all__ = ["Error", "InvalidInput"]


class Error(Exception):
    """Base class of every error npusched raises.

    "Does not fit" is never an error: an unplaced pod is an ordinary entry
    of the plan's ``unschedulable`` list.
    """

    __module__ = "npusched"


class InvalidInput(Error, ValueError):
    """The input cannot be read: malformed JSON, a document that is not a
    Kubernetes List, a field that is missing or of the wrong type, a value
    that cannot be written as JSON, or an argument out of range.

    The message names the offending field, e.g.
    ``items[3].metadata.name: missing``. Errors found by the compiled core
    also carry ``code`` (``malformed_document``, ``wrong_type``,
    ``missing_field``, ``out_of_range``, ``invalid_value``,
    ``unknown_value``, ``duplicate``, ``limit_exceeded``) and ``path`` (the
    field path alone); errors found in Python have ``code`` ``None``.
    """

    __module__ = "npusched"
    code: str | None = None
    path: str | None = None
