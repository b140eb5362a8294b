"""The wheel holds every module: built from a copy of the sources, installed into a fresh
virtual environment, and every module imported from there (not from this checkout)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

IMPORT_ALL = """
import importlib, pkgutil, sys
sys.path.append(sys.argv[1])  # the test environment's packages, after the fresh venv's own
import rag
assert rag.__file__.startswith(sys.prefix), rag.__file__
names = [m.name for m in pkgutil.walk_packages(rag.__path__, "rag.") if m.name != "rag.__main__"]
for name in names:
    importlib.import_module(name)
print(len(names))
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel built from a copy of the project (the build writes nothing into the checkout)."""
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    shutil.copytree(ROOT / "rag", src / "rag", ignore=shutil.ignore_patterns("__pycache__"))
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(out), str(src)], check=True, capture_output=True, timeout=300)
    (built,) = out.glob("rag_balkan-*.whl")
    return built


def test_the_wheel_holds_every_module(wheel: Path) -> None:
    sources = {p.relative_to(ROOT).as_posix() for p in (ROOT / "rag").rglob("*.py")}
    packed = {n for n in zipfile.ZipFile(wheel).namelist() if n.endswith(".py")}
    assert sources - packed == set(), f"missing from the wheel: {sorted(sources - packed)}"


def test_every_module_imports_from_the_installed_wheel(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q",
                    str(wheel)], check=True, capture_output=True, timeout=300)
    site = sysconfig.get_paths()["purelib"]
    done = subprocess.run([str(python), "-c", IMPORT_ALL, site], capture_output=True, text=True,
                          timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    expected = sum(1 for p in (ROOT / "rag").rglob("*.py") if p.name != "__main__.py") - 1  # less rag/__init__
    assert int(done.stdout.split()[-1]) == expected
    cli = subprocess.run([str(python), "-c", f"import sys; sys.path.append({site!r}); "
                          "from rag.app.cli import main; sys.argv[0] = 'rag'; raise SystemExit(main(['--help']))"],
                         capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert cli.returncode == 0 and "ingest" in cli.stdout, cli.stderr[-2000:]
