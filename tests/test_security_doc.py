"""docs/security.md names the test covering each threat: every one it names must exist
(a renamed or deleted test would otherwise leave a threat silently uncovered)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_test_named_by_the_security_page_exists():
    page = (ROOT / "docs" / "security.md").read_text()
    missing = []
    current_file = None
    for ref in re.findall(r"`((?:tests/[\w/]+\.py)?(?:::\w+)?)`", page):
        path, _, name = ref.partition("::")
        if path:
            current_file = ROOT / path
            if not current_file.is_file():
                missing.append(path)
                continue
        if name:
            # "`::test_x`" right after a file: a test of that same file.
            if current_file is None or f"def {name}(" not in current_file.read_text():
                missing.append(ref)
    assert not missing, f"tests absents : {missing}"
    assert page.count("tests/") >= 25  # the page does name its tests
