"""An upgrade from the previous release's schema while that release serves (docs/design.md §12.5).

The previous release (the code at PREVIOUS_RELEASE, taken from git) initialises a database and
serves it; the migrations of this version run under it, and it keeps answering; then this
version takes over: it imports the old key folder into custody (`keys import-files`), runs
`init`, and the whole log, old records and new, verifies with the pinned keys.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import urllib.request

import pytest
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from registry import migrate
from registry.db import make_engine
from tests.factories.processes import PROJECT_ROOT, clean_env, onehall_exe, run, start

PREVIOUS_RELEASE = "ef6ef12"  # main when round 2 began: keys in files, origin in code


def _have_release() -> bool:
    res = subprocess.run(
        ["git", "-C", str(PROJECT_ROOT), "cat-file", "-e", f"{PREVIOUS_RELEASE}^{{commit}}"], capture_output=True
    )
    return res.returncode == 0


pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not _have_release(), reason=f"git history without {PREVIOUS_RELEASE} (shallow clone)"),
]

OLD_MAIN = "import sys; from web.cli import main; sys.argv[0] = 'onehall'; main()"


def test_migrations_run_under_the_previous_release_and_this_one_takes_over(database, tmp_path):
    url, schema = database
    old = tmp_path / "previous"
    old.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(PROJECT_ROOT), "archive", PREVIOUS_RELEASE], capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(old)], input=archive, check=True)
    env = clean_env() | {
        "ONEHALL_DATABASE_URL": url,
        "ONEHALL_KEY_PASSPHRASE": "upgrade-passphrase",
        "ONEHALL_KEY_DIR": str(tmp_path / "old-keys"),
        "ONEHALL_INSTANCE": str(tmp_path / "instance"),
    }
    if schema:
        env["ONEHALL_DATABASE_SCHEMA"] = schema
    old_env = env | {"PYTHONPATH": str(old)}

    def previous(*args):
        res = subprocess.run(
            [sys.executable, "-c", OLD_MAIN, *args], cwd=old, env=old_env, capture_output=True, text=True, timeout=600
        )
        assert res.returncode == 0, res.stderr[-3000:]
        return res.stdout

    def current(*args, expect=0):
        res = run([onehall_exe(), *args], env=env, timeout=600)
        assert res.returncode == expect, (args, res.stdout[-2000:], res.stderr[-2000:])
        return res.stdout

    previous("init")
    server = start(
        [sys.executable, "-c", OLD_MAIN, "serve", "--port", "0", "--workers", "1"],
        cwd=old,
        env=old_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        port = None
        for line in server.stderr:
            found = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", line)
            if found:
                port = int(found.group(1))
                break
        assert port, "the previous release did not start"

        def get(path):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=60) as res:
                return res.status

        assert get("/api/v1/log/checkpoint") == 200
        # this version's upgrade, under the old server: the old key folder into custody (first
        # the migration that makes the key table), then init (every other migration, the signed
        # backfill of what the old version never signed, the plan's facts)
        assert "已导入" in current("keys", "import-files", str(tmp_path / "old-keys"))
        current("init")
        assert get("/api/v1/log/checkpoint") == 200 and get("/api/v1/keys") == 200
        assert get("/public/chief-representatives") == 200
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    engine = make_engine(url, schema=schema)
    with engine.connect() as conn:  # at the head now
        assert (
            MigrationContext.configure(conn).get_current_revision()
            in ScriptDirectory.from_config(migrate.alembic_config()).get_heads()
        )
    engine.dispose()
    assert "一致" in current("keys", "check")
    current("audit")
    current("log", "export", str(tmp_path / "export"))
    current("keys", "save", str(tmp_path / "keys.json"))
    assert "核验通过" in current(
        "verify", str(tmp_path / "export"), "--keys", str(tmp_path / "keys.json"), "--workers", "1"
    )
