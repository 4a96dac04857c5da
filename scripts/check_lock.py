"""Check that the hashed lock files still match pyproject.toml (cheap: no resolver, no network).

    python scripts/check_lock.py            # exit 0: both locks cover pyproject; 1: regenerate

``requirements.lock`` must pin every direct dependency of ``.[local,eval,bench,dev]`` at a
version its specifier allows, and list no direct dependency pyproject no longer has (pip-compile
annotates direct ones ``# via newsroom-summariser (pyproject.toml)``).
``requirements-runtime.lock`` (``.[local]``, the Dockerfile's) must do the same for the core and
``local`` dependencies and pin every package at the same version as ``requirements.lock``.
Whether the transitive pins are complete is checked by ``pip check`` after the ``--no-deps`` install.
Fix a failure with ``make lock``. Runs in a bare venv: only the standard library and packaging
(pip's vendored copy when packaging is not installed).
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

try:
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name
except ImportError:  # a fresh venv: pip vendors packaging
    from pip._vendor.packaging.requirements import Requirement  # type: ignore[no-redef]
    from pip._vendor.packaging.utils import canonicalize_name  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parent.parent
FULL_EXTRAS = ("local", "eval", "bench", "dev")
RUNTIME_EXTRAS = ("local",)
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)")
DIRECT_MARK = "(pyproject.toml)"


def direct_requirements(pyproject: Path, extras: tuple[str, ...]) -> list[Requirement]:
    """The core dependencies plus those of ``extras`` (markers kept, none evaluated away)."""
    project = tomllib.loads(pyproject.read_text())["project"]
    lines = list(project["dependencies"])
    for extra in extras:
        lines += project["optional-dependencies"][extra]
    return [Requirement(line) for line in lines]


def read_lock(path: Path) -> tuple[dict[str, str], set[str]]:
    """``{name: version}`` of every pin, and the names pip-compile marked as direct."""
    pins: dict[str, str] = {}
    direct: set[str] = set()
    current: str | None = None
    for line in path.read_text().splitlines():
        match = _PIN.match(line)
        if match:
            current = canonicalize_name(match[1])
            pins[current] = match[2]
        elif current and line.lstrip().startswith("#") and DIRECT_MARK in line:
            direct.add(current)
        elif line and not line.startswith((" ", "#")):
            current = None
    return pins, direct


def problems(pyproject: Path, lock: Path, extras: tuple[str, ...]) -> list[str]:
    """What is wrong with ``lock`` for these extras of ``pyproject`` (empty: it is current)."""
    if not lock.is_file():
        return [f"{lock.name} is missing"]
    pins, direct = read_lock(lock)
    found: list[str] = []
    wanted: set[str] = set()
    for req in direct_requirements(pyproject, extras):
        name = canonicalize_name(req.name)
        wanted.add(name)
        version = pins.get(name)
        if version is None:
            found.append(f"{lock.name}: {req} is not pinned")
        elif not req.specifier.contains(version, prereleases=True):
            found.append(f"{lock.name}: {name}=={version} does not satisfy {req}")
    for name in sorted(direct - wanted):
        found.append(f"{lock.name}: {name} is pinned as a direct dependency pyproject lacks")
    return found


def same_versions(full: Path, runtime: Path) -> list[str]:
    """Pins of ``runtime`` that differ from (or are absent in) ``full``."""
    if not (full.is_file() and runtime.is_file()):
        return []
    full_pins, _ = read_lock(full)
    runtime_pins, _ = read_lock(runtime)
    return [
        f"{runtime.name}: {name}=={version} but {full.name} has {full_pins.get(name, 'no pin')}"
        for name, version in sorted(runtime_pins.items())
        if full_pins.get(name) != version
    ]


def check(root: Path = ROOT) -> list[str]:
    """Every problem of both locks of the project at ``root``."""
    pyproject = root / "pyproject.toml"
    full, runtime = root / "requirements.lock", root / "requirements-runtime.lock"
    return (
        problems(pyproject, full, FULL_EXTRAS)
        + problems(pyproject, runtime, RUNTIME_EXTRAS)
        + same_versions(full, runtime)
    )


def main() -> int:
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT
    found = check(root)
    for line in found:
        print(f"check_lock: {line}", file=sys.stderr)
    if found:
        print(
            "check_lock: the lock files do not match pyproject.toml; run `make lock` and commit "
            "requirements.lock and requirements-runtime.lock",
            file=sys.stderr,
        )
        return 1
    print("check_lock: requirements.lock and requirements-runtime.lock match pyproject.toml")
    return 0


if __name__ == "__main__":
    sys.exit(main())
