"""Fixtures for the operations tests (health, logs, worker, storage faults, backups)."""
from tests.ops.servers import own_s3_server, s3_server  # noqa: F401  (fixtures)
