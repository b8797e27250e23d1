"""Shared test helpers: where the shared reference material and corpus live.

The shared directory sits next to the repository root (``<repo>/../shared``);
tests that need it skip when it is absent. Other test modules may append
helpers and fixtures here; keep it generic.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
FIXTURES = REPO_ROOT / "fixtures"

# `cfgtools lint` keeps a result cache beside the nearest pyproject.toml: during the tests it lives in a
# temporary folder instead of the checkout (tests of the cache point it elsewhere themselves)
os.environ.setdefault("CFGTOOLS_CACHE_DIR", tempfile.mkdtemp(prefix="cfgtools-test-cache-"))
# the compiled darknet grammar is kept in the user's cache folder: the tests keep theirs apart
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="cfgtools-test-user-cache-")


def shared_dir() -> Path | None:
    """The shared directory next to the repository, or None when absent."""
    candidate = (REPO_ROOT / ".." / "shared").resolve()
    return candidate if candidate.is_dir() else None


def corpus_files(framework: str) -> list[Path]:
    """Every file of the shared corpus for ``framework`` ("caffe", "darknet")."""
    shared = shared_dir()
    if shared is None:
        return []
    root = shared / "corpus" / framework
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file())


@pytest.fixture
def shared() -> Path:
    """The shared directory; skips the test when it is absent."""
    found = shared_dir()
    if found is None:
        pytest.skip("shared reference directory (next to the repository) is absent")
    return found


@pytest.fixture
def reference_dir(shared: Path) -> Path:
    return shared / "reference"


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES


# -- torch availability (shared helper; appended by the converter tests) -------------------


def require_torch():
    """Import and return torch, or skip the test when it is missing.

    With ``CFGTOOLS_REQUIRE_TORCH=1`` in the environment a missing torch is a
    failure instead of a skip (CI jobs that must run the torch tests).
    """
    import os

    try:
        import torch
    except ImportError as exc:  # pragma: no cover - depends on the environment
        if os.environ.get("CFGTOOLS_REQUIRE_TORCH") == "1":
            pytest.fail(f"torch is required (CFGTOOLS_REQUIRE_TORCH=1) but cannot be imported: {exc}")
        pytest.skip("torch is not installed")
    return torch


@pytest.fixture
def torch_module():
    """The torch module; skips (or fails under CFGTOOLS_REQUIRE_TORCH=1) when missing."""
    return require_torch()
