"""Photo byte storage: content-addressed originals, named derivatives, atomic and confined."""
import hashlib
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.services.storage import FileStorage, Storage, validate_derived_name

DATA = b"\xff\xd8 pretend jpeg bytes \xff\xd9"
SHA = hashlib.sha256(DATA).hexdigest()


@pytest.fixture
def store(tmp_path) -> FileStorage:
    """A FileStorage in a fresh directory."""
    return FileStorage(tmp_path / "data")


def all_files(root) -> list[str]:
    """Every file under root, as relative paths."""
    return sorted(os.path.relpath(os.path.join(d, f), root)
                  for d, _, files in os.walk(root) for f in files)


def test_file_storage_is_a_storage(store):
    """FileStorage implements the Storage interface."""
    assert isinstance(store, Storage)


def test_original_round_trips_and_is_content_addressed(store, tmp_path):
    """An original is stored at originals/ab/<sha256> and read back."""
    assert not store.has_original(SHA)
    store.put_original(SHA, DATA)
    assert store.has_original(SHA)
    assert store.get_original(SHA) == DATA
    assert all_files(tmp_path / "data") == [os.path.join("originals", SHA[:2], SHA)]


def test_storing_the_same_original_twice_is_a_no_op(store, tmp_path):
    """Storing the same original again leaves the file untouched."""
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


def test_derived_round_trips_and_can_be_replaced(store, tmp_path):
    """A derived file is stored, replaced and read back."""
    assert store.get_derived("thumb/abc.jpg") is None
    store.put_derived("thumb/abc.jpg", b"one")
    store.put_derived("thumb/abc.jpg", b"two")
    assert store.get_derived("thumb/abc.jpg") == b"two"
    assert all_files(tmp_path / "data") == [os.path.join("derived", "thumb", "abc.jpg")]


def test_writes_leave_no_temporary_files(store, tmp_path):
    """Atomic writes leave no temporary files behind."""
    store.put_original(SHA, DATA)
    for i in range(5):
        store.put_derived(f"display-{i}.jpg", b"x" * i)
    assert not [f for f in all_files(tmp_path / "data") if ".tmp-" in f]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(store, tmp_path, monkeypatch):
    """A write that fails keeps the old file and cleans up."""
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
    assert all_files(tmp_path) == []


def test_symlink_inside_derived_cannot_lead_outside(store, tmp_path):
    """A symlink planted inside derived/ cannot be used to write outside."""
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
def test_any_name_is_either_refused_or_stays_inside_derived(store, name):
    """Any accepted name resolves strictly inside derived/."""
    try:
        validate_derived_name(name)
    except ValueError:
        return
    root = os.path.realpath(os.path.join(store.root, "derived"))
    path = os.path.realpath(store.derived_path(name))
    assert os.path.commonpath([root, path]) == root and path != root
