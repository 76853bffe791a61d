"""Where the library's files are kept: one small interface, `Storage`, and its local-folder
implementation.

The folder is FACILITY_STORAGE_DIR (default `./facility-files`, beside the database, never under
facility/static: nothing there is reachable by a path of its own). A file is stored under a
random key the facility chooses — never the uploader's file name — and is read back only
through the route that checks who may see its resource (facility/web/library.py).

Several servers need one store they all reach. An S3-compatible object store would implement
the same three methods (put an object under the key, get it, delete it); no S3 client library
is installed in this environment, so that implementation is not written here: docs/library.md
says what it must do. Until then, several servers share the folder (a network file system
mounted at the same path on each).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import BinaryIO, Protocol

KEY_ALPHABET = frozenset("0123456789abcdef")
KEY_LENGTH = 32  # 128 random bits, as hexadecimal digits


class Storage(Protocol):
    def put(self, data: bytes) -> str:
        """Store `data` under a new random key, and return the key."""
        ...

    def open(self, key: str) -> BinaryIO:
        """The stored file (FileNotFoundError: no such key)."""
        ...

    def delete(self, key: str) -> None:
        """Remove the file; a key already gone is no error."""
        ...


def new_key() -> str:
    return secrets.token_hex(KEY_LENGTH // 2)


def is_key(key: str) -> bool:
    """Only a key this module made names a file: no separator, no dot, nothing but hex."""
    return len(key) == KEY_LENGTH and set(key) <= KEY_ALPHABET


class LocalStorage:
    """Files in one folder, two levels of sub-folders by the key's first characters."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        if not is_key(key):
            raise FileNotFoundError(key)
        return self.root / key[:2] / key

    def put(self, data: bytes) -> str:
        key = new_key()
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written beside, then renamed: a reader never sees half a file.
        partial = path.with_name(key + ".partial")
        with open(partial, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, path)
        return key

    def open(self, key: str) -> BinaryIO:
        return open(self._path(key), "rb")

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


WEB_ROOT = Path(__file__).resolve().parents[1] / "static"


def local_storage(folder: str) -> LocalStorage:
    """The configured folder; refused if it lies inside the folder served as static files."""
    root = Path(folder).expanduser().resolve()
    if root == WEB_ROOT or WEB_ROOT in root.parents:
        raise ValueError(f"FACILITY_STORAGE_DIR ({root}) must not lie inside the web root "
                         f"{WEB_ROOT}")
    return LocalStorage(root)


def storage_for(settings) -> Storage:
    """The store the settings name (FACILITY_STORAGE_DIR)."""
    return local_storage(settings.storage_dir)


# Files and transactions ---------------------------------------------------------------------
# A file is put before its row commits, and an old one is replaced before the change commits.
# The session remembers both: a rollback deletes the files put in it (no file outlives a row
# that never was), a commit deletes the files replaced (none is lost to a change undone).

from sqlalchemy import event  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

_PUT = "library_files_put"
_DISCARD = "library_files_discarded"


def stored_in(session: Session, storage: Storage, key: str) -> None:
    """`key` was put during this transaction: deleted again if it rolls back."""
    session.info.setdefault(_PUT, []).append((storage, key))


def discard_on_commit(session: Session, storage: Storage, key: str) -> None:
    """`key` is replaced by this transaction: deleted once it commits."""
    session.info.setdefault(_DISCARD, []).append((storage, key))


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    session.info.pop(_PUT, None)
    for storage, key in session.info.pop(_DISCARD, []):
        storage.delete(key)


@event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    session.info.pop(_DISCARD, None)
    for storage, key in session.info.pop(_PUT, []):
        storage.delete(key)
