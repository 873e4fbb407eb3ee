"""The `onehall` command and other programs as subprocesses, with none of this environment's
ONEHALL_* variables leaking into them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def onehall_exe() -> str:
    exe = Path(sys.executable).parent / "onehall"
    return str(exe) if exe.exists() else "onehall"


def clean_env() -> dict[str, str]:
    """This environment without any ONEHALL_* variable (nothing leaks into a subprocess)."""
    return {k: v for k, v in os.environ.items() if not k.startswith("ONEHALL_")}


def run(args: list[str], env: dict[str, str] | None = None, timeout: float = 120, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        args, cwd=PROJECT_ROOT, env=env or clean_env(), capture_output=True, text=True, timeout=timeout, **kw
    )


def start(args: list[str], *, cwd: Path, env: dict[str, str], stdout=subprocess.PIPE, stderr=subprocess.STDOUT):
    """`args` running in a session of its own (stop it and its workers with `os.killpg`), its
    output read as text."""
    return subprocess.Popen(args, cwd=cwd, env=env, stdout=stdout, stderr=stderr, text=True, start_new_session=True)
