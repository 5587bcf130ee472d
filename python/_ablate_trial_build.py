"""The build backend of `pip install ./python` (PEP 517, in-tree, standard library only).

It packs the single module ablate_trial.py into a wheel (and, for `pip install -e`, an
editable wheel that points at this folder). It needs nothing from a package index, so the
install works offline on any Python >= 3.8 with pip >= 21.3: setuptools would need
setuptools and wheel to be downloadable, or installed first. The metadata below mirrors
pyproject.toml's [project] table; the version is ablate_trial.__version__.
"""

import base64
import hashlib
import io
import os
import re
import tarfile
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
MODULE = "ablate_trial"
NAME = "ablate-trial"
DIST = "ablate_trial"
SUMMARY = "The optional helper for Python training scripts run as ablate command trials (standard library only)."
REQUIRES_PYTHON = ">=3.8"


def _version():
    with open(os.path.join(HERE, MODULE + ".py"), encoding="utf-8") as f:
        match = re.search(r'^__version__ = "([^"]+)"', f.read(), re.M)
    if not match:
        raise RuntimeError("ablate_trial.py has no __version__ line")
    return match.group(1)


def _metadata():
    with open(os.path.join(HERE, "README.md"), encoding="utf-8") as f:
        readme = f.read()
    return (
        "Metadata-Version: 2.1\n"
        f"Name: {NAME}\n"
        f"Version: {_version()}\n"
        f"Summary: {SUMMARY}\n"
        f"Requires-Python: {REQUIRES_PYTHON}\n"
        "Description-Content-Type: text/markdown\n"
        "\n" + readme
    )


def _dist_info():
    return f"{DIST}-{_version()}.dist-info"


def _wheel_name():
    return f"{DIST}-{_version()}-py3-none-any.whl"


def _write_wheel(directory, files):
    """Writes a wheel holding `files` ({archive path: bytes}) plus its dist-info."""
    info = _dist_info()
    files = dict(files)
    files[f"{info}/METADATA"] = _metadata().encode()
    files[f"{info}/WHEEL"] = b"Wheel-Version: 1.0\nGenerator: _ablate_trial_build\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    files[f"{info}/top_level.txt"] = (MODULE + "\n").encode()
    record = []
    for path, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(data)}")
    record.append(f"{info}/RECORD,,")
    files[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode()
    name = _wheel_name()
    with zipfile.ZipFile(os.path.join(directory, name), "w", zipfile.ZIP_DEFLATED) as wheel:
        for path, data in files.items():
            entry = zipfile.ZipInfo(path, date_time=(1980, 1, 1, 0, 0, 0))
            entry.external_attr = 0o644 << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            wheel.writestr(entry, data)
    return name


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def get_requires_for_build_editable(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    info = os.path.join(metadata_directory, _dist_info())
    os.makedirs(info, exist_ok=True)
    with open(os.path.join(info, "METADATA"), "w", encoding="utf-8") as f:
        f.write(_metadata())
    return _dist_info()


prepare_metadata_for_build_editable = prepare_metadata_for_build_wheel


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    with open(os.path.join(HERE, MODULE + ".py"), "rb") as f:
        return _write_wheel(wheel_directory, {MODULE + ".py": f.read()})


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    # A .pth file puts this folder on sys.path: edits to ablate_trial.py apply at once.
    return _write_wheel(wheel_directory, {f"__editable__.{DIST}.pth": (HERE + "\n").encode()})


def build_sdist(sdist_directory, config_settings=None):
    base = f"{DIST}-{_version()}"
    name = base + ".tar.gz"
    with tarfile.open(os.path.join(sdist_directory, name), "w:gz", format=tarfile.PAX_FORMAT) as tar:
        for file in ("pyproject.toml", "README.md", MODULE + ".py", "_ablate_trial_build.py"):
            tar.add(os.path.join(HERE, file), arcname=f"{base}/{file}")
        pkg_info = _metadata().encode()
        entry = tarfile.TarInfo(f"{base}/PKG-INFO")
        entry.size = len(pkg_info)
        entry.mode = 0o644
        tar.addfile(entry, io.BytesIO(pkg_info))
    return name
