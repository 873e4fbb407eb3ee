"""The `onehall` command as an operator uses it: init, users, tokens, decide, import errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ONEHALL = str(Path(sys.executable).with_name("onehall"))


@pytest.fixture
def env(database, tmp_path):
    url, schema = database
    e = {
        **os.environ,
        "ONEHALL_INSTANCE": str(tmp_path / "instance"),
        "ONEHALL_DATABASE_URL": url,
        "ONEHALL_KEY_PASSPHRASE": "cli-test",
        "ONEHALL_KEY_DIR": str(tmp_path / "keys"),
    }
    if schema:
        e["ONEHALL_DATABASE_SCHEMA"] = schema
    else:
        e.pop("ONEHALL_DATABASE_SCHEMA", None)
    return e


def run(env, *args, stdin: str | None = None, check: bool = True):
    proc = subprocess.run([ONEHALL, *args], env=env, input=stdin, capture_output=True, text=True, timeout=300)
    if check and proc.returncode != 0:
        raise AssertionError(f"onehall {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


def test_init_users_tokens_decide_and_a_refused_import(env, tmp_path):
    """One pass per backend (each `onehall` start costs an interpreter start-up)."""
    out = run(env, "init").stdout
    assert "规则包" in out and "专业分厅" in out
    run(env, "init")  # keeps what exists
    run(env, "user", "create", "auditor1", "--role", "auditor", stdin="a-long-password\n")
    token = run(env, "token", "create", "auditor1").stdout
    assert token.strip().startswith("oh_") and token.count("\n") == 1  # only the token on stdout
    bad = run(env, "user", "create", "x", "--role", "wizard", stdin="a-long-password\n", check=False)
    assert bad.returncode == 2 and "未知角色" in bad.stderr
    unknown = run(env, "decide", "--person", "999", "--action", "审批决定", "--item", "NOPE", check=False)
    assert unknown.returncode == 2 and "不存在" in unknown.stderr

    # a bad catalog names every problem by row and writes nothing
    csv = tmp_path / "bad.csv"
    csv.write_text(
        "编码,名称,实施部门,事项类型,办件类型,承诺时限,生效日期\n"
        "X-1,甲事项,不存在的局,行政许可,即办件,,2019-01-01\n"
        "X-2,乙事项,FGW,魔法事项,承诺件,5 工作日,2019-01-01\n"
        "X-3,丙事项,FGW,行政许可,承诺件,五天,2019-01-01\n"
        "X-3,丙事项,FGW,行政许可,承诺件,5 工作日,2019-01-01\n",
        encoding="utf-8",
    )
    proc = run(env, "import", str(csv), check=False)
    assert proc.returncode == 2
    for expected in ("第2行", "第3行", "第4行", "第5行"):
        assert expected in proc.stderr
    export = tmp_path / "out.csv"
    run(env, "export", str(export))
    assert "X-1" not in export.read_text(encoding="utf-8-sig")
