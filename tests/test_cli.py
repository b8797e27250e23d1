"""Start-up stays lean: --version and darknet commands never import protobuf, numpy or torch."""

import subprocess
import sys


def imported_modules(code: str) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys\nprint('\\n'.join(sys.modules))"],
        capture_output=True, text=True, check=True,
    )
    return set(result.stdout.split())


def test_version_is_lean():
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "cfgtools", "--version"], capture_output=True, text=True
    )
    assert result.returncode == 0 and result.stdout.startswith("cfgtools ")
    imported = {line.split("|")[-1].strip() for line in result.stderr.splitlines() if "|" in line}
    assert not {name for name in imported if name.split(".")[0] in ("google", "numpy", "torch", "matplotlib")}


def test_show_darknet_is_lean(fixtures_dir):
    path = fixtures_dir / "darknet" / "reading_quirks.cfg"
    modules = imported_modules(
        "import contextlib, io\nfrom cfgtools.cli import main\n"
        f"with contextlib.redirect_stdout(io.StringIO()): main(['show', {str(path)!r}])"
    )
    assert "cfgtools.darknet.net" in modules  # the command really ran
    assert not {m for m in modules if m.split(".")[0] in ("google", "numpy", "torch", "matplotlib")}
