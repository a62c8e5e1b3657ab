"""Reading files and standard input for the API and the CLI, with the
input-size limit the compiled core enforces (docs/limits.md): a file or
stream is read up to ``MAX_INPUT_BYTES`` bytes and no further, so
``/dev/zero`` or an endless pipe ends in ``limit_exceeded`` instead of
exhausting memory."""

from __future__ import annotations

import os
import stat
from typing import BinaryIO

from . import _core
from ._errors import InvalidInput, invalid

__all__ = ["MAX_INPUT_BYTES", "read_path", "read_stream"]

MAX_INPUT_BYTES: int = _core.MAX_INPUT_BYTES
_CHUNK = 1 << 20


def _too_large(name: str) -> InvalidInput:
    return invalid(name, "limit_exceeded", f"more than the input limit of {MAX_INPUT_BYTES} bytes")


def read_stream(f: BinaryIO, name: str) -> bytes:
    """All of ``f``, in chunks, stopping with ``limit_exceeded`` past the limit."""
    data = bytearray()
    while True:
        chunk = f.read(min(_CHUNK, MAX_INPUT_BYTES + 1 - len(data)))
        if not chunk:
            return bytes(data)
        data += chunk
        if len(data) > MAX_INPUT_BYTES:
            raise _too_large(name)


def read_path(path: str | os.PathLike[str], name: str | None = None) -> bytes:
    """The bytes of the file at ``path``. ``name`` is the error path (default:
    the file name). A directory, a missing or unreadable file is
    ``unreadable``; a file over the limit ``limit_exceeded``, found before
    reading when the file says its size."""
    shown = os.fspath(path)
    where = shown if name is None else name
    try:
        with open(path, "rb") as f:
            info = os.fstat(f.fileno())
            if stat.S_ISDIR(info.st_mode):
                raise IsADirectoryError(21, "Is a directory")
            if stat.S_ISREG(info.st_mode) and info.st_size > MAX_INPUT_BYTES:
                raise _too_large(where)
            return read_stream(f, where)
    except OSError as e:
        error = InvalidInput(f"{'' if name is None else name + ': '}cannot read {shown}: {e.strerror or e}")
        error.code, error.path = "unreadable", where
        raise error from None
