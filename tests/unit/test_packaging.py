"""The wheel (and so the production image) carries every package of the project."""

from __future__ import annotations

import re
import tomllib
from fnmatch import fnmatchcase
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NOT_SHIPPED = {"tests"}


def _project_packages() -> set[str]:
    """Every directory of ours with an __init__.py, as a dotted package name."""
    found = set()
    for init in ROOT.glob("*/**/__init__.py"):
        parts = init.parent.relative_to(ROOT).parts
        if parts[0] not in NOT_SHIPPED and not parts[0].startswith("."):
            found.add(".".join(parts))
    return found


def test_every_package_and_subpackage_goes_into_the_wheel() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    include = config["tool"]["setuptools"]["packages"]["find"]["include"]
    # setuptools' packages.find matches each dotted package name against these patterns.
    shipped = {
        p for p in _project_packages() | {"tests"} if any(fnmatchcase(p, i) for i in include)
    }
    assert _project_packages() - shipped == set()
    assert "tests" not in shipped


def test_the_production_image_copies_every_top_level_package() -> None:
    dockerfile = (ROOT / "docker" / "Dockerfile").read_text()
    copied = set(re.findall(r"^COPY (\w+)/ \1/$", dockerfile, flags=re.MULTILINE))
    top_level = {name.partition(".")[0] for name in _project_packages()}
    assert top_level - copied == set()


def test_the_wheel_and_the_image_carry_the_built_console() -> None:
    from server.console import PACKAGED_DIST

    setup = (ROOT / "setup.py").read_text()
    # setup.py copies console/dist to where server.console looks in an installed wheel.
    assert f'"server" / "{PACKAGED_DIST.name}"' in setup
    assert "graft console/dist" in (ROOT / "MANIFEST.in").read_text()
    dockerfile = (ROOT / "docker" / "Dockerfile").read_text()
    assert "setup.py" in dockerfile
    assert re.search(r"^COPY --from=console /src/console/dist console/dist/$", dockerfile, re.M)
