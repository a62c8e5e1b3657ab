"""The exceptions npusched raises. Errors are mapped once, where they cross
into Python (the extension's exception translator looks these classes up
here), so callers catch these and nothing else."""

from __future__ import annotations

__all__ = ["Error", "InvalidInput", "invalid"]


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
    ``items[3].metadata.name: missing``, and the object it is in when known
    (``Pod serving/decode-0 (items[3]): spec.priority: ...``). Every error
    carries ``code`` (``malformed_document``, ``wrong_type``,
    ``missing_field``, ``out_of_range``, ``invalid_value``,
    ``unknown_value``, ``duplicate``, ``limit_exceeded``, and
    ``unreadable`` for a file that cannot be read) and ``path``: the field
    path alone (empty for the snapshot document as a whole, e.g. malformed
    JSON), or, for an argument refused whole, its name (``now``,
    ``snapshot``, ``state``, ``add[0]``, a file's name). docs/limits.md
    lists them.
    """

    __module__ = "npusched"
    code: str | None = None
    path: str | None = None


def invalid(path: str, code: str, message: str) -> InvalidInput:
    """An :class:`InvalidInput` for input the Python layer refuses, worded
    as the core words its errors: ``"<path>: <message>"``."""
    error = InvalidInput(f"{path}: {message}" if path else message)
    error.code = code
    error.path = path
    return error
