"""Ed25519 keys in an HSM through PKCS#11, tested against SoftHSM2 as a real device is used:
`onehall init`, `keys list|rotate|check`, export and verify, all with ONEHALL_KEY_STORE=pkcs11."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.factories.processes import clean_env, onehall_exe, run

MODULE = next(
    (
        p
        for p in ("/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so")
        if Path(p).exists()
    ),
    None,
)

pytestmark = [
    pytest.mark.skipif(
        MODULE is None or shutil.which("softhsm2-util") is None,
        reason="SoftHSM2 is not installed (Debian package softhsm2: .ci/run installs it)",
    ),
    pytest.mark.slow,
]


@pytest.fixture
def hsm_env(tmp_path):
    pytest.importorskip("pkcs11", reason="python-pkcs11 is not installed")
    tokens = tmp_path / "tokens"
    tokens.mkdir()
    conf = tmp_path / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n")
    env = clean_env() | {"SOFTHSM2_CONF": str(conf)}
    subprocess.run(
        ["softhsm2-util", "--init-token", "--free", "--label", "onehall-test", "--pin", "1234", "--so-pin", "5678"],
        env=env,
        check=True,
        capture_output=True,
    )
    return env | {
        "ONEHALL_KEY_STORE": "pkcs11",
        "ONEHALL_PKCS11_MODULE": MODULE,
        "ONEHALL_PKCS11_TOKEN": "onehall-test",
        "ONEHALL_PKCS11_PIN": "1234",
        "ONEHALL_INSTANCE": str(tmp_path / "instance"),
        "ONEHALL_KEY_PASSPHRASE": "p",
        "ONEHALL_LOG_ORIGIN": "hsm.example/log",
    }


def test_keys_in_softhsm2_sign_rotate_and_verify(hsm_env, tmp_path):
    def onehall(*args, expect=0):
        res = run([onehall_exe(), *args], env=hsm_env, timeout=300)
        assert res.returncode == expect, (args, res.stdout[-2000:], res.stderr[-2000:])
        return res

    onehall("init")
    before = [json.loads(line) for line in onehall("keys", "list").stdout.splitlines()]
    assert {k["body"] for k in before} >= {"log", "gov_service", "government"}
    onehall("keys", "rotate", "gov_service")
    after = [json.loads(line) for line in onehall("keys", "list").stdout.splitlines()]
    assert len([k for k in after if k["body"] == "gov_service"]) == 2
    onehall("keys", "check")
    db = create_engine(f"sqlite:///{tmp_path / 'instance' / 'onehall.db'}")
    with db.connect() as conn:
        rows = conn.execute(text("SELECT custody, length(sealed) FROM custody_keys")).all()
    db.dispose()
    assert rows and all(custody == "pkcs11" and size == 16 for custody, size in rows)  # only the object id
    onehall("log", "export", str(tmp_path / "export"))
    onehall("keys", "save", str(tmp_path / "keys.json"))
    res = onehall("verify", str(tmp_path / "export"), "--keys", str(tmp_path / "keys.json"), "--workers", "1")
    assert "核验通过" in res.stdout
    # the same database without the device's PIN cannot sign
    wrong = run([onehall_exe(), "keys", "rotate", "drc"], env=hsm_env | {"ONEHALL_PKCS11_PIN": "0000"})
    assert wrong.returncode != 0
