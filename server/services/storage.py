"""Photo byte storage behind a small interface: content-addressed originals, named derivatives.

`FileStorage` keeps everything under one directory (DATA_DIR); `S3Storage`
(storage_s3.py, when PHOTO_STORE=s3://bucket/prefix) implements the same methods over
S3-compatible object storage. Writes are atomic: a temporary file in the target directory,
fsync, then os.replace, so a reader never sees half a file. A write that cannot be made
raises StorageFull (disk full: 507) or StorageUnavailable (storage unreachable: 503); the
phone keeps the photo and retries.
"""
from __future__ import annotations

import errno
import hashlib
import os
import re
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
# One path segment of a derived name: starts with a letter, digit or underscore (so never
# "." or ".." or a hidden file), then letters, digits, ".", "_" or "-".
_SEGMENT = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$")
_MAX_SEGMENTS = 4
_FULL = (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC), errno.EFBIG)


class StorageError(OSError):
    """Photo bytes could not be written or read for a reason outside the request."""


class StorageFull(StorageError):
    """No space left where photos are kept."""


class StorageUnavailable(StorageError):
    """The photo storage cannot be reached (object storage down, disk unmounted)."""


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

    @abstractmethod
    def iter_originals(self) -> Iterator[str]:
        """Yield the digest of every stored original (for backups)."""

    @abstractmethod
    def iter_derived(self) -> Iterator[str]:
        """Yield the name of every derived file (for backups)."""

    @abstractmethod
    def ping(self) -> None:
        """Return when the storage can be used; raise StorageUnavailable otherwise (/readyz)."""

    def describe(self) -> str:
        """Where the bytes live, for logs and the backup manifest."""
        return type(self).__name__

    @contextmanager
    def bulk(self):
        """Many writes in a row (a restore): a backend may defer flushing until the end."""
        yield self


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


def _atomic_write(path: str, data: bytes, durable: bool = True) -> None:
    """Write data to path atomically; a full disk raises StorageFull, other failures OSError."""
    try:
        _replace_with(path, data, durable)
    except StorageError:
        raise
    except OSError as err:
        if err.errno in _FULL:
            raise StorageFull(err.errno, "照片存储空间已满") from err
        raise


def _replace_with(path: str, data: bytes, durable: bool = True) -> None:
    """Write data to path via a temporary sibling file and os.replace (fsync'd when durable)."""
    directory = os.path.dirname(path)
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    if durable:
        _fsync_dir(directory)


class FileStorage(Storage):
    """Local-disk storage: <root>/originals/ab/<sha256> and <root>/derived/<name>."""

    def __init__(self, root: str | os.PathLike):
        """Use root (created on first write) as the storage directory."""
        self.root = os.path.abspath(os.fspath(root))
        self._originals = os.path.join(self.root, "originals")
        self._derived = os.path.join(self.root, "derived")
        self._durable = True  # fsync every write, except inside bulk()

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
        _atomic_write(path, data, self._durable)

    def get_original(self, sha256: str) -> bytes:
        """Return the original bytes; raise FileNotFoundError when absent."""
        with open(self.original_path(sha256), "rb") as fh:
            return fh.read()

    def has_original(self, sha256: str) -> bool:
        """Say whether the original with this digest is stored."""
        return os.path.isfile(self.original_path(sha256))

    def put_derived(self, name: str, data: bytes) -> None:
        """Store or atomically replace a derived file."""
        _atomic_write(self.derived_path(name), data, self._durable)

    def get_derived(self, name: str) -> bytes | None:
        """Return a derived file's bytes, or None when absent."""
        try:
            with open(self.derived_path(name), "rb") as fh:
                return fh.read()
        except FileNotFoundError:
            return None

    def iter_originals(self) -> Iterator[str]:
        """Yield every stored original's digest, in sorted order."""
        for directory, dirs, files in os.walk(self._originals):
            dirs.sort()
            fan = os.path.basename(directory)
            yield from sorted(f for f in files if _SHA256.fullmatch(f) and f[:2] == fan)

    def iter_derived(self) -> Iterator[str]:
        """Yield every derived file's name (temporary files left by a crash are skipped)."""
        for directory, dirs, files in os.walk(self._derived):
            dirs.sort()
            rel = os.path.relpath(directory, self._derived)
            for f in sorted(files):
                name = f if rel == "." else f"{rel.replace(os.sep, '/')}/{f}"
                try:
                    yield validate_derived_name(name)
                except ValueError:
                    continue

    def ping(self) -> None:
        """The root exists (or can be made) and takes writes."""
        try:
            os.makedirs(self.root, exist_ok=True)
        except OSError as err:
            raise StorageUnavailable(err.errno, f"照片目录无法使用：{err.strerror}") from err
        if not os.access(self.root, os.W_OK | os.X_OK):
            raise StorageUnavailable(errno.EACCES, "照片目录不可写")

    def describe(self) -> str:
        """The directory."""
        return f"file:{self.root}"

    @contextmanager
    def bulk(self):
        """Skip the per-file fsync (tens of thousands in a restore); flush everything at the end."""
        self._durable = False
        try:
            yield self
        finally:
            self._durable = True
            os.sync()


def make_storage(config) -> Storage:
    """The backend the configuration names: PHOTO_STORE=s3://bucket/prefix, else DATA_DIR."""
    spec = config.get("PHOTO_STORE") or ""
    if spec.startswith("s3://"):
        from .storage_s3 import S3Storage

        return S3Storage.from_url(spec, timeout_s=config.get("S3_TIMEOUT_S", 5))
    if spec:
        raise ValueError(f"PHOTO_STORE 须为空（本地目录）或 s3://桶名/前缀，而不是 {spec!r}")
    return FileStorage(config["DATA_DIR"])
