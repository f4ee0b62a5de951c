"""Fixtures for the Python-side tests: the repository, the `lpo` binary to compare with, temp dirs.

Run with the venv of scripts/py-env, the `lpo` wheel installed and the CLI built:
    scripts/py-env --develop && cargo build --release
    target/py-venv/bin/python -m pytest python/tests
Environment: LPO_BIN (default target/release/lpo), LPO_SKIP_100K=1 skips the 100,000-order Spark
test.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))  # plan_compare


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def config_path(repo_root) -> Path:
    return repo_root / "lpo.yaml"


@pytest.fixture(scope="session")
def lpo_bin(repo_root) -> Path:
    """The CLI the Python results are compared with."""
    path = Path(os.environ.get("LPO_BIN", repo_root / "target" / "release" / "lpo"))
    if not path.is_absolute():
        path = repo_root / path
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.fail(f"no lpo binary at {path}: build it (cargo build --release) or set LPO_BIN")
    return path


@pytest.fixture
def tmp_dir(tmp_path) -> Path:
    """A fresh folder for one test."""
    return tmp_path


@pytest.fixture(scope="session")
def session_dir(tmp_path_factory) -> Path:
    """A folder shared by the tests of a session (generated orders, CLI plans)."""
    return tmp_path_factory.mktemp("lpo-session")


@pytest.fixture(scope="session")
def run_lpo(lpo_bin, repo_root, config_path):
    """Runs the CLI with the repository's config (or `config=`); returns the CompletedProcess.
    Exit codes other than `ok` (default 0 and 3) fail the test with the CLI's stderr."""

    def run(*args, config=None, ok=(0, 3), timeout=900):
        cmd = [str(lpo_bin), "--config", str(config or config_path), *map(str, args)]
        p = subprocess.run(cmd, cwd=repo_root, capture_output=True, text=True, timeout=timeout)
        if ok is not None and p.returncode not in ok:
            pytest.fail(f"{' '.join(cmd)} exited {p.returncode}:\n{p.stderr}")
        return p

    return run
