"""axe-core accessibility checks in Chromium.

axe-core comes from the npm registry (pinned below) into tests/.cache; it is
only ever loaded into the test browser, never served by the app.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

AXE_VERSION = "4.14.1"
CACHE = Path(__file__).resolve().parent / ".cache"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
# WCAG 2.1 A and AA, which Swedish public-sector web must meet.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_source() -> str:
    path = Path(os.environ.get("AXE_CORE_PATH", CACHE / f"axe-core-{AXE_VERSION}" / "axe.min.js"))
    if not path.exists():
        _download(path.parent)
    return path.read_text()


def _download(target: Path) -> None:
    npm = shutil.which("npm")
    if npm is None:
        if IN_CI:
            pytest.fail("npm is needed to fetch axe-core in CI")
        pytest.skip("npm is not installed: cannot fetch axe-core")
    CACHE.mkdir(exist_ok=True)
    result = subprocess.run(  # noqa: S603
        [npm, "pack", f"axe-core@{AXE_VERSION}", "--pack-destination", str(CACHE)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode != 0:
        message = f"could not fetch axe-core: {result.stderr[-500:]}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    with tarfile.open(CACHE / f"axe-core-{AXE_VERSION}.tgz") as tar:
        member = tar.getmember("package/axe.min.js")
        target.mkdir(parents=True, exist_ok=True)
        (target / "axe.min.js").write_bytes(tar.extractfile(member).read())


def serious_violations(page) -> list[dict]:
    """Run axe on the page; return serious and critical violations."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source())
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "targets": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
