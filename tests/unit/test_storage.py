"""Photo byte storage: content-addressed originals, named derivatives, atomic and confined.

The interface tests run against both backends: the local folder (FileStorage) and
S3-compatible object storage (S3Storage on a moto server started for the session, a new
bucket per test). Tests of the folder's own mechanics (paths, atomic replace, symlinks)
use file_store.
"""
import errno
import hashlib
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.services.storage import (FileStorage, Storage, StorageFull, StorageUnavailable,
                                     make_storage, validate_derived_name)
from server.services.storage_s3 import S3Storage
from tests.ops.servers import MotoServer, own_s3_server, s3_server  # noqa: F401  (fixtures)

DATA = b"\xff\xd8 pretend jpeg bytes \xff\xd9"
SHA = hashlib.sha256(DATA).hexdigest()


@pytest.fixture
def file_store(tmp_path) -> FileStorage:
    """A FileStorage in a fresh directory."""
    return FileStorage(tmp_path / "data")


def s3_store_on(server: MotoServer, prefix: str = "photos/test", bucket: str | None = None) -> S3Storage:
    """An S3Storage on a moto server, in a new bucket unless one is given."""
    return S3Storage(bucket or server.new_bucket(), prefix, endpoint_url=server.url,
                     access_key="testing", secret_key="testing", timeout_s=2)


@pytest.fixture(params=["file", "s3"])
def store(request, tmp_path) -> Storage:
    """Each backend in turn: a fresh folder, or a fresh bucket on the session's S3 server."""
    if request.param == "file":
        return FileStorage(tmp_path / "data")
    return s3_store_on(request.getfixturevalue("s3_server"))


def stored_keys(store: Storage) -> list[str]:
    """Everything the backend holds, as paths relative to its root (folder or prefix)."""
    if isinstance(store, FileStorage):
        return all_files(store.root) if os.path.isdir(store.root) else []
    objects = store.client.list_objects_v2(Bucket=store.bucket).get("Contents", [])
    return sorted(o["Key"][len(store.prefix):] for o in objects)


def all_files(root) -> list[str]:
    """Every file under root, as relative paths."""
    return sorted(os.path.relpath(os.path.join(d, f), root)
                  for d, _, files in os.walk(root) for f in files)


def test_both_backends_are_storages(store):
    """FileStorage and S3Storage implement the Storage interface."""
    assert isinstance(store, Storage)


def test_original_round_trips_and_is_content_addressed(store):
    """An original is stored at originals/ab/<sha256> (file or key) and read back."""
    assert not store.has_original(SHA)
    store.put_original(SHA, DATA)
    assert store.has_original(SHA)
    assert store.get_original(SHA) == DATA
    assert stored_keys(store) == [os.path.join("originals", SHA[:2], SHA)]


def test_storing_the_same_original_twice_keeps_one_copy(store):
    """Storing the same original again leaves one copy with the same bytes."""
    store.put_original(SHA, DATA)
    store.put_original(SHA, DATA)
    assert stored_keys(store) == [os.path.join("originals", SHA[:2], SHA)]
    assert store.get_original(SHA) == DATA


def test_storing_the_same_original_twice_does_not_rewrite_the_file(file_store, tmp_path):
    """On disk, storing the same original again leaves the file untouched."""
    store = file_store
    store.put_original(SHA, DATA)
    path = store.original_path(SHA)
    before = os.stat(path)
    store.put_original(SHA, DATA)
    after = os.stat(path)
    assert (before.st_ino, before.st_mtime_ns) == (after.st_ino, after.st_mtime_ns)
    assert all_files(tmp_path / "data") == [os.path.join("originals", SHA[:2], SHA)]


def test_original_whose_bytes_do_not_match_the_digest_is_refused(store):
    """Bytes that do not hash to the given digest are refused."""
    with pytest.raises(ValueError):
        store.put_original(SHA, DATA + b"tampered")
    assert not store.has_original(SHA)


def test_missing_original_raises_file_not_found(store):
    """Reading an absent original raises FileNotFoundError."""
    with pytest.raises(FileNotFoundError):
        store.get_original(SHA)


@pytest.mark.parametrize("digest", [
    "../" * 10 + "etc/passwd",
    SHA.upper(),
    SHA[:-1],
    SHA + "0",
    "/" + SHA[1:],
    SHA[:2] + "/" + SHA[3:],
    "",
])
def test_malformed_digests_are_refused_everywhere(store, digest):
    """Anything but 64 lowercase hex characters is refused by every method."""
    for call in (lambda: store.has_original(digest), lambda: store.get_original(digest),
                 lambda: store.put_original(digest, DATA)):
        with pytest.raises(ValueError):
            call()


def test_derived_round_trips_and_can_be_replaced(store):
    """A derived file is stored, replaced and read back."""
    assert store.get_derived("thumb/abc.jpg") is None
    store.put_derived("thumb/abc.jpg", b"one")
    store.put_derived("thumb/abc.jpg", b"two")
    assert store.get_derived("thumb/abc.jpg") == b"two"
    assert stored_keys(store) == [os.path.join("derived", "thumb", "abc.jpg")]


def test_everything_stored_is_listed_for_backups(store):
    """iter_originals and iter_derived list exactly what was stored."""
    blobs = [DATA + bytes([i]) for i in range(3)]
    digests = sorted(hashlib.sha256(b).hexdigest() for b in blobs)
    for blob in blobs:
        store.put_original(hashlib.sha256(blob).hexdigest(), blob)
    for name in ("a-thumb.jpg", "b-display.jpg", "thumb/c.jpg"):
        store.put_derived(name, b"x")
    assert sorted(store.iter_originals()) == digests
    assert sorted(store.iter_derived()) == ["a-thumb.jpg", "b-display.jpg", "thumb/c.jpg"]


def test_a_reachable_store_answers_ping(store):
    """ping returns quietly when the storage can be used."""
    store.ping()


def test_an_unusable_folder_fails_ping(tmp_path):
    """A storage root that cannot be a directory is unavailable."""
    (tmp_path / "file").write_bytes(b"")
    with pytest.raises(StorageUnavailable):
        FileStorage(tmp_path / "file" / "data").ping()


def test_an_unreachable_object_store_is_unavailable(own_s3_server):
    """A stopped S3 server: ping, writes and reads raise StorageUnavailable (503 upstream)."""
    store = s3_store_on(own_s3_server)
    store.put_original(SHA, DATA)
    own_s3_server.stop()
    for call in (store.ping, lambda: store.put_original(SHA, DATA),
                 lambda: store.get_original(SHA), lambda: store.put_derived("d.jpg", b"x")):
        with pytest.raises(StorageUnavailable):
            call()


def test_a_missing_bucket_is_unavailable(s3_server):
    """A bucket that does not exist makes the store unusable, not empty."""
    store = S3Storage("no-such-bucket", "", endpoint_url=s3_server.url, access_key="testing",
                      secret_key="testing", timeout_s=2)
    with pytest.raises(StorageUnavailable):
        store.ping()
    with pytest.raises(StorageUnavailable):
        store.put_derived("d.jpg", b"x")


def test_prefixes_keep_two_stores_apart_in_one_bucket(s3_server):
    """Two prefixes in one bucket see only their own objects."""
    one = s3_store_on(s3_server, "one")
    two = s3_store_on(s3_server, "two/deeper", bucket=one.bucket)
    one.put_original(SHA, DATA)
    two.put_derived("t.jpg", b"x")
    assert list(one.iter_originals()) == [SHA] and list(one.iter_derived()) == []
    assert list(two.iter_originals()) == [] and list(two.iter_derived()) == ["t.jpg"]
    assert not two.has_original(SHA)


def test_a_full_disk_raises_storage_full_and_the_next_write_works(file_store, monkeypatch):
    """ENOSPC while writing becomes StorageFull (507 upstream); nothing half-written stays."""
    real_fdopen = os.fdopen

    def full(fd, *args, **kwargs):
        """A file whose writes fail as on a full disk."""
        fh = real_fdopen(fd, *args, **kwargs)

        class Full:
            def __enter__(self):
                return self

            def __exit__(self, *exc):
                fh.close()

            def write(self, _data):
                raise OSError(errno.ENOSPC, "No space left on device")

        return Full()

    monkeypatch.setattr(os, "fdopen", full)
    with pytest.raises(StorageFull):
        file_store.put_original(SHA, DATA)
    monkeypatch.undo()
    assert not file_store.has_original(SHA) and all_files(file_store.root) == []
    file_store.put_original(SHA, DATA)
    assert file_store.get_original(SHA) == DATA


def test_the_configuration_chooses_the_backend(tmp_path, s3_server, monkeypatch):
    """PHOTO_STORE=s3://bucket/prefix → S3Storage with the AWS_* variables; empty → DATA_DIR."""
    assert isinstance(make_storage({"PHOTO_STORE": "", "DATA_DIR": str(tmp_path)}), FileStorage)
    for key, value in s3_server.env().items():
        monkeypatch.setenv(key, value)
    s3 = make_storage({"PHOTO_STORE": "s3://my-bucket/some/prefix", "DATA_DIR": str(tmp_path)})
    assert isinstance(s3, S3Storage)
    assert (s3.bucket, s3.prefix, s3.endpoint_url) == ("my-bucket", "some/prefix/", s3_server.url)
    with pytest.raises(ValueError):
        make_storage({"PHOTO_STORE": "ftp://x", "DATA_DIR": str(tmp_path)})


def test_writes_leave_no_temporary_files(file_store, tmp_path):
    """Atomic writes leave no temporary files behind."""
    file_store.put_original(SHA, DATA)
    store = file_store
    for i in range(5):
        store.put_derived(f"display-{i}.jpg", b"x" * i)
    assert not [f for f in all_files(tmp_path / "data") if ".tmp-" in f]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(file_store, tmp_path, monkeypatch):
    """A write that fails keeps the old file and cleans up."""
    store = file_store
    store.put_derived("d.jpg", b"old")

    def broken_replace(src, dst):
        """Fail as a full disk would."""
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        store.put_derived("d.jpg", b"new")
    monkeypatch.undo()
    assert store.get_derived("d.jpg") == b"old"
    assert all_files(tmp_path / "data") == [os.path.join("derived", "d.jpg")]


@pytest.mark.parametrize("name", [
    "../escape.jpg",
    "thumb/../../escape.jpg",
    "/etc/passwd",
    "thumb//x.jpg",
    "thumb/",
    ".hidden",
    "thumb/.x",
    "..",
    ".",
    "a\\..\\b",
    "x\x00y",
    "",
    "a/b/c/d/e",
    "名字.jpg",
    "a b.jpg",
])
def test_derived_names_with_traversal_or_odd_characters_are_refused(store, name, tmp_path):
    """Traversal, absolute, hidden and odd names are refused and write nothing."""
    with pytest.raises(ValueError):
        store.put_derived(name, b"x")
    with pytest.raises(ValueError):
        store.get_derived(name)
    assert all_files(tmp_path) == [] and stored_keys(store) == []


def test_symlink_inside_derived_cannot_lead_outside(file_store, tmp_path):
    """A symlink planted inside derived/ cannot be used to write outside."""
    store = file_store
    outside = tmp_path / "outside"
    outside.mkdir()
    store.put_derived("ok.jpg", b"x")
    os.symlink(outside, tmp_path / "data" / "derived" / "link")
    with pytest.raises(ValueError):
        store.put_derived("link/evil.jpg", b"x")
    assert list(outside.iterdir()) == []


def test_storage_directory_is_created_on_first_write(tmp_path):
    """The storage root need not exist beforehand."""
    store = FileStorage(tmp_path / "not" / "yet")
    assert not store.has_original(SHA)
    store.put_original(SHA, DATA)
    assert store.get_original(SHA) == DATA


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.text(max_size=40))
def test_any_name_is_either_refused_or_stays_inside_derived(file_store, name):
    """Any accepted name resolves strictly inside derived/."""
    try:
        validate_derived_name(name)
    except ValueError:
        return
    root = os.path.realpath(os.path.join(file_store.root, "derived"))
    path = os.path.realpath(file_store.derived_path(name))
    assert os.path.commonpath([root, path]) == root and path != root
