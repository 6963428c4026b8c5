"""The design card's platform/ folder must not shadow the standard library."""

import subprocess
import sys


def test_stdlib_platform_imports_in_app_process():
    # In this very process, after importing the whole application.
    import platform

    import relogement.platform.application  # noqa: F401
    import relogement.runtime.cli  # noqa: F401

    assert platform.python_version() == ".".join(map(str, sys.version_info[:3]))
    assert relogement.platform.application.__name__ == "relogement.platform.application"


def test_stdlib_platform_from_repo_root(tmp_path):
    # Run from the repository root, where a folder named platform/ exists.
    code = (
        "import platform, relogement.platform.application as a; "
        "print(platform.system(), a.RelocationApp.__name__)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True,
        cwd=__file__.rsplit("/tests/", 1)[0],
    )
    assert out.stdout.split() == [platform_system(), "RelocationApp"]


def platform_system() -> str:
    import platform

    return platform.system()


def test_platform_folder_is_not_a_regular_package():
    # Without __init__.py the folder can never win over the stdlib module,
    # even when the repository root is on sys.path (python -m, python -c).
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    assert (root / "platform").is_dir()
    assert not (root / "platform" / "__init__.py").exists()
