"""The import-linter contracts of pyproject.toml hold, and the checker does catch a violation."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = str(Path(sys.executable).parent / "lint-imports")


def _lint(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [LINT_IMPORTS, "--no-cache", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_layer_contracts_are_kept() -> None:
    done = _lint()
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout


def test_a_broken_contract_fails(tmp_path: Path) -> None:
    config = tmp_path / "broken.toml"
    config.write_text(
        """
[tool.importlinter]
root_packages = ["service"]
include_external_packages = true

[[tool.importlinter.contracts]]
name = "the API without FastAPI (false on purpose)"
type = "forbidden"
source_modules = ["service.api"]
forbidden_modules = ["fastapi"]
""",
        encoding="utf-8",
    )
    done = _lint("--config", str(config))
    assert done.returncode != 0 and "BROKEN" in done.stdout


def test_eval_command_comes_from_an_entry_point() -> None:
    from typer.main import get_command

    from service.cli import app

    assert "eval" in get_command(app).commands  # type: ignore[attr-defined]
    source = (ROOT / "service" / "cli.py").read_text(encoding="utf-8")
    assert "evals" not in source.split('"""', 2)[2]  # only the docstring mentions it
