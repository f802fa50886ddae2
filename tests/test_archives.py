"""Archives from outside are unpacked safely or refused with the entry and the rule named."""

from __future__ import annotations

import io
import stat
import tarfile
import zipfile

import pytest

from grader.intake.archives import ArchiveLimits, UnsafeArchive, extract


def make_zip(path, entries):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, data, mode in entries:
            info = zipfile.ZipInfo(name)
            info.external_attr = mode << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            bundle.writestr(info, data)
    return path


def make_tar(path, members):
    with tarfile.open(path, "w:gz") as bundle:
        for info, data in members:
            bundle.addfile(info, io.BytesIO(data) if data is not None else None)
    return path


def tar_info(name, kind=tarfile.REGTYPE, size=0, target=""):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.size = size
    info.linkname = target
    return info


REGULAR = stat.S_IFREG | 0o644


def test_a_normal_archive_unpacks_into_a_new_folder(tmp_path):
    archive = make_zip(tmp_path / "a.zip", [("mse.py", b"x = 1\n", REGULAR),
                                            ("sub/notes.txt", b"hi", REGULAR)])
    files = extract(archive, tmp_path / "out")
    assert sorted(p.relative_to(tmp_path / "out").as_posix() for p in files) == ["mse.py", "sub/notes.txt"]
    assert (tmp_path / "out" / "mse.py").read_bytes() == b"x = 1\n"


@pytest.mark.parametrize(
    ("entries", "needle"),
    [
        ([("/etc/evil.py", b"x", REGULAR)], "absolute path"),
        ([("../../evil.py", b"x", REGULAR)], "climbs out"),
        ([("a/../../evil.py", b"x", REGULAR)], "climbs out"),
        ([("C:/evil.py", b"x", REGULAR)], "absolute path"),
        ([("link", b"/etc/passwd", stat.S_IFLNK | 0o777)], "symbolic link"),
        ([("fifo", b"", stat.S_IFIFO | 0o644)], "not a regular file"),
    ],
    ids=["absolute", "dotdot", "nested-dotdot", "drive-letter", "symlink", "fifo"],
)
def test_a_zip_with_an_escaping_or_special_entry_is_refused(tmp_path, entries, needle):
    archive = make_zip(tmp_path / "bad.zip", [("ok.py", b"x", REGULAR), *entries])
    with pytest.raises(UnsafeArchive, match=needle):
        extract(archive, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    assert not (tmp_path.parent / "evil.py").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["bad.zip"]  # no staging left behind


@pytest.mark.parametrize(
    ("member", "needle"),
    [
        (tar_info("link", tarfile.SYMTYPE, target="/etc/passwd"), "is a link"),
        (tar_info("hard", tarfile.LNKTYPE, target="/etc/passwd"), "is a link"),
        (tar_info("dev", tarfile.CHRTYPE), "device"),
        (tar_info("../up.py", size=1), "climbs out"),
    ],
    ids=["symlink", "hardlink", "device", "dotdot"],
)
def test_a_tar_with_links_devices_or_escapes_is_refused(tmp_path, member, needle):
    data = b"x" if member.size else None
    archive = make_tar(tmp_path / "bad.tar.gz", [(member, data)])
    with pytest.raises(UnsafeArchive, match=needle):
        extract(archive, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_too_many_files_are_refused(tmp_path):
    archive = make_zip(tmp_path / "many.zip", [(f"f{i}.py", b"x", REGULAR) for i in range(30)])
    with pytest.raises(UnsafeArchive, match="more than 20 files"):
        extract(archive, tmp_path / "out", ArchiveLimits(max_files=20))


def test_a_zip_bomb_is_stopped_while_reading_not_trusted_from_its_header(tmp_path):
    archive = make_zip(tmp_path / "bomb.zip", [("bomb.py", b"\0" * (40 * 1024 * 1024), REGULAR)])
    assert archive.stat().st_size < 100_000
    with pytest.raises(UnsafeArchive, match="expands more than 100x"):
        extract(archive, tmp_path / "out")
    with pytest.raises(UnsafeArchive, match="more than 1048576 bytes"):
        extract(archive, tmp_path / "out", ArchiveLimits(max_ratio=10**9, max_bytes=1 << 20))


def test_something_that_is_not_an_archive_is_refused(tmp_path):
    (tmp_path / "x.zip").write_text("not a zip")
    with pytest.raises(UnsafeArchive, match="not a zip or tar archive"):
        extract(tmp_path / "x.zip", tmp_path / "out")
