"""Photo byte storage behind a small interface: content-addressed originals, named derivatives.

`FileStorage` keeps everything under one directory (DATA_DIR); another backend (S3-compatible
object storage) implements the same five methods. Writes are atomic: a temporary file in
the target directory, fsync, then os.replace, so a reader never sees half a file.
"""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
from abc import ABC, abstractmethod

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
# One path segment of a derived name: starts with a letter, digit or underscore (so never
# "." or ".." or a hidden file), then letters, digits, ".", "_" or "-".
_SEGMENT = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$")
_MAX_SEGMENTS = 4


def validate_sha256(sha256: str) -> str:
    """Return the digest if it is 64 lowercase hex characters; raise ValueError otherwise."""
    if not isinstance(sha256, str) or not _SHA256.fullmatch(sha256):
        raise ValueError(f"invalid sha256 digest: {sha256!r}")
    return sha256


def validate_derived_name(name: str) -> str:
    """Return name if it is a safe relative name like 'thumb/ab12.jpg'; else raise ValueError."""
    if not isinstance(name, str) or not name:
        raise ValueError("derived name must be a non-empty string")
    segments = name.split("/")
    if len(segments) > _MAX_SEGMENTS or not all(_SEGMENT.fullmatch(s) for s in segments):
        raise ValueError(f"invalid derived name: {name!r}")
    return name


class Storage(ABC):
    """Where photo bytes live. Originals are keyed by their SHA-256; derivatives by name."""

    @abstractmethod
    def put_original(self, sha256: str, data: bytes) -> None:
        """Store original bytes under their digest; storing the same bytes again is a no-op."""

    @abstractmethod
    def get_original(self, sha256: str) -> bytes:
        """Return the original bytes; raise FileNotFoundError when absent."""

    @abstractmethod
    def has_original(self, sha256: str) -> bool:
        """Say whether the original with this digest is stored."""

    @abstractmethod
    def put_derived(self, name: str, data: bytes) -> None:
        """Store (or replace) a derived file, e.g. a thumbnail, under a safe relative name."""

    @abstractmethod
    def get_derived(self, name: str) -> bytes | None:
        """Return a derived file's bytes, or None when it has not been made yet."""


def _fsync_dir(path: str) -> None:
    """Flush a directory entry to disk where the platform allows it (POSIX)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _atomic_write(path: str, data: bytes) -> None:
    """Write data to path via a temporary sibling file and os.replace."""
    directory = os.path.dirname(path)
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _fsync_dir(directory)


class FileStorage(Storage):
    """Local-disk storage: <root>/originals/ab/<sha256> and <root>/derived/<name>."""

    def __init__(self, root: str | os.PathLike):
        """Use root (created on first write) as the storage directory."""
        self.root = os.path.abspath(os.fspath(root))
        self._originals = os.path.join(self.root, "originals")
        self._derived = os.path.join(self.root, "derived")

    def original_path(self, sha256: str) -> str:
        """Return the file path of an original, fanned out by its first two hex digits."""
        validate_sha256(sha256)
        return os.path.join(self._originals, sha256[:2], sha256)

    def derived_path(self, name: str) -> str:
        """Return the file path of a derived name, refusing anything that escapes derived/."""
        validate_derived_name(name)
        path = os.path.join(self._derived, *name.split("/"))
        # Defence in depth against symlinks planted inside the tree.
        base = os.path.realpath(self._derived)
        if os.path.commonpath([base, os.path.realpath(path)]) != base:
            raise ValueError(f"derived name escapes the storage root: {name!r}")
        return path

    def put_original(self, sha256: str, data: bytes) -> None:
        """Store original bytes under their digest (checked); idempotent."""
        path = self.original_path(sha256)
        if hashlib.sha256(data).hexdigest() != sha256:
            raise ValueError("data does not match its sha256 digest")
        if os.path.isfile(path):
            return
        _atomic_write(path, data)

    def get_original(self, sha256: str) -> bytes:
        """Return the original bytes; raise FileNotFoundError when absent."""
        with open(self.original_path(sha256), "rb") as fh:
            return fh.read()

    def has_original(self, sha256: str) -> bool:
        """Say whether the original with this digest is stored."""
        return os.path.isfile(self.original_path(sha256))

    def put_derived(self, name: str, data: bytes) -> None:
        """Store or atomically replace a derived file."""
        _atomic_write(self.derived_path(name), data)

    def get_derived(self, name: str) -> bytes | None:
        """Return a derived file's bytes, or None when absent."""
        try:
            with open(self.derived_path(name), "rb") as fh:
                return fh.read()
        except FileNotFoundError:
            return None
