"""Photo bytes in S3-compatible object storage (PHOTO_STORE=s3://bucket/prefix).

The same layout as the local folder — `<prefix>/originals/ab/<sha256>` and
`<prefix>/derived/<name>` — so a backup or a move between the two is a copy. A PUT returns
once the object is stored. Endpoint, credentials and region come from the usual variables
(AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION). Any
failure to reach the store becomes StorageUnavailable (503), so the phone retries later.
"""
from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterator
from urllib.parse import urlparse

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from .storage import (_SHA256, Storage, StorageFull, StorageUnavailable, validate_derived_name,
                      validate_sha256)

_MISSING = {"NoSuchKey", "404", "NotFound"}
_FULL = {"XMinioStorageFull", "QuotaExceeded", "InsufficientStorage", "507"}


_SESSIONS: list = []
_SESSION_LOCK = threading.Lock()


def _session() -> boto3.session.Session:
    """One boto3 session per process: its clients share the loaded service models."""
    with _SESSION_LOCK:
        if not _SESSIONS:
            _SESSIONS.append(boto3.session.Session())
        return _SESSIONS[0]


class S3Storage(Storage):
    """Originals and derived files as objects in one bucket, under an optional prefix."""

    def __init__(self, bucket: str, prefix: str = "", *, endpoint_url: str | None = None,
                 region: str | None = None, access_key: str | None = None,
                 secret_key: str | None = None, timeout_s: float = 5):
        """Connect lazily; the timeouts bound how long an upload waits on a silent store."""
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.endpoint_url = endpoint_url
        session = _session()

        def client(timeout: float, attempts: int):
            """An S3 client; path-style, no extra checksum headers (what MinIO, Ceph and the
            cloud vendors' S3-compatible stores all accept)."""
            config = Config(connect_timeout=timeout, read_timeout=timeout,
                            retries={"total_max_attempts": attempts, "mode": "standard"},
                            max_pool_connections=20,
                            s3={"addressing_style": "path" if endpoint_url else "auto"},
                            request_checksum_calculation="when_required",
                            response_checksum_validation="when_required")
            return session.client("s3", endpoint_url=endpoint_url,
                                  region_name=region or "us-east-1", aws_access_key_id=access_key,
                                  aws_secret_access_key=secret_key, config=config)

        self.client = client(timeout_s, 2)
        self._probe = client(min(timeout_s, 3.0), 1)  # /readyz answers within seconds

    @classmethod
    def from_url(cls, url: str, timeout_s: float = 5) -> "S3Storage":
        """s3://bucket/prefix with the endpoint and credentials from the environment."""
        parts = urlparse(url)
        if parts.scheme != "s3" or not parts.netloc:
            raise ValueError(f"PHOTO_STORE 须为 s3://桶名/前缀，而不是 {url!r}")
        env = os.environ.get
        return cls(parts.netloc, parts.path, endpoint_url=env("AWS_ENDPOINT_URL") or None,
                   region=env("AWS_DEFAULT_REGION") or env("AWS_REGION") or None,
                   access_key=env("AWS_ACCESS_KEY_ID") or None,
                   secret_key=env("AWS_SECRET_ACCESS_KEY") or None, timeout_s=timeout_s)

    def describe(self) -> str:
        """The bucket, prefix and endpoint."""
        return f"s3://{self.bucket}/{self.prefix}" + (f" at {self.endpoint_url}" if self.endpoint_url else "")

    def _original_key(self, sha256: str) -> str:
        """The key of an original."""
        validate_sha256(sha256)
        return f"{self.prefix}originals/{sha256[:2]}/{sha256}"

    def _derived_key(self, name: str) -> str:
        """The key of a derived file."""
        return f"{self.prefix}derived/{validate_derived_name(name)}"

    def _call(self, method: str, client=None, **kwargs):
        """One S3 call; unreachable, refused or full storage becomes a StorageError."""
        try:
            return getattr(client or self.client, method)(Bucket=self.bucket, **kwargs)
        except ClientError as err:
            code = str(err.response.get("Error", {}).get("Code", ""))
            if code in _MISSING:
                raise FileNotFoundError(kwargs.get("Key", self.bucket)) from err
            if code in _FULL:
                raise StorageFull(28, "对象存储空间已满") from err
            raise StorageUnavailable(5, f"对象存储拒绝了请求（{code}）") from err
        except BotoCoreError as err:
            raise StorageUnavailable(5, f"无法连接对象存储：{type(err).__name__}") from err

    def put_original(self, sha256: str, data: bytes) -> None:
        """Store the bytes under their digest (checked first); the same bytes again change nothing."""
        key = self._original_key(sha256)
        if hashlib.sha256(data).hexdigest() != sha256:
            raise ValueError("data does not match its sha256 digest")
        self._call("put_object", Key=key, Body=data, ContentType="application/octet-stream")

    def get_original(self, sha256: str) -> bytes:
        """The original's bytes; FileNotFoundError when absent."""
        return self._call("get_object", Key=self._original_key(sha256))["Body"].read()

    def has_original(self, sha256: str) -> bool:
        """Whether the original is stored (one HEAD request)."""
        try:
            self._call("head_object", Key=self._original_key(sha256))
            return True
        except FileNotFoundError:
            return False

    def put_derived(self, name: str, data: bytes) -> None:
        """Store or replace a derived file (an object PUT replaces atomically)."""
        self._call("put_object", Key=self._derived_key(name), Body=data, ContentType="image/jpeg")

    def get_derived(self, name: str) -> bytes | None:
        """A derived file's bytes, or None when it has not been made."""
        try:
            return self._call("get_object", Key=self._derived_key(name))["Body"].read()
        except FileNotFoundError:
            return None

    def _keys(self, folder: str) -> Iterator[str]:
        """Every key under prefix/folder/, relative to it, in the store's (sorted) order."""
        start = f"{self.prefix}{folder}/"
        token = None
        while True:
            page = self._call("list_objects_v2", Prefix=start,
                              **({"ContinuationToken": token} if token else {}))
            for obj in page.get("Contents", []):
                yield obj["Key"][len(start):]
            if not page.get("IsTruncated"):
                return
            token = page["NextContinuationToken"]

    def iter_originals(self) -> Iterator[str]:
        """Every stored original's digest."""
        for rel in self._keys("originals"):
            fan, _, digest = rel.partition("/")
            if _SHA256.fullmatch(digest) and digest[:2] == fan:
                yield digest

    def iter_derived(self) -> Iterator[str]:
        """Every derived file's name."""
        for rel in self._keys("derived"):
            try:
                yield validate_derived_name(rel)
            except ValueError:
                continue

    def ping(self) -> None:
        """The bucket answers (HEAD bucket)."""
        try:
            self._call("head_bucket", client=self._probe)
        except FileNotFoundError as err:
            raise StorageUnavailable(2, f"对象存储桶 {self.bucket} 不存在") from err
