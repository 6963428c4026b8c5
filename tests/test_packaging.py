"""pyproject.toml ships every module and every data file a non-editable install needs.

An editable install maps whole folders, so a package missing from `packages` (as
web/blueprints/ once was) only breaks `pip install .` and the Docker image.
"""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SETUPTOOLS = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]


def _folder_of(package: str) -> Path:
    """The source folder of a dotted package name, through `package-dir`."""
    mapping = SETUPTOOLS["package-dir"]
    parts = package.split(".")
    for cut in range(len(parts), 0, -1):
        prefix = ".".join(parts[:cut])
        if prefix in mapping:
            return ROOT / mapping[prefix] / Path(*parts[cut:])
    raise AssertionError(f"{package} has no package-dir mapping")


def _source_files(top: Path):
    for path in top.rglob("*"):
        if path.is_file() and "__pycache__" not in path.parts:
            yield path


def test_every_folder_with_python_code_is_a_listed_package():
    listed = {_folder_of(package) for package in SETUPTOOLS["packages"]}
    for top in SETUPTOOLS["package-dir"].values():
        code_folders = {path.parent for path in (ROOT / top).rglob("*.py")}
        assert code_folders - listed == set(), "add them to [tool.setuptools] packages"


def test_every_data_file_of_a_package_matches_package_data():
    assert SETUPTOOLS["include-package-data"] is False  # package-data is the one list
    for package in SETUPTOOLS["packages"]:
        folder = _folder_of(package)
        shipped = {
            path
            for pattern in SETUPTOOLS["package-data"].get(package, [])
            for path in folder.glob(pattern)  # the glob setuptools applies
        }
        for path in _source_files(folder):
            if path.suffix == ".py":
                continue  # modules: the test above
            if path.parent == folder and path.suffix == ".md":
                continue  # notes for developers (web/README-accounts.md)
            assert path in shipped, (
                f"{path.relative_to(ROOT)} is not shipped: add it to package-data[{package!r}]"
            )
