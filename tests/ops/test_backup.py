"""`onehall backup` while serving, `onehall restore` into an empty database: afterwards the
keys check, the export verifies with pinned keys and the witness's cosigned checkpoints, the
witness cosigns on (no fork), and the restored registry takes new filings (§12.5)."""

from __future__ import annotations


import pytest

from tests.factories import databases
from tests.factories.world import world  # noqa: F401  (the fixture)
from tests.factories.api import receipt_for_case, seal_setup
from application.bootstrap import publish_checkpoint
from web.cli import main


@pytest.fixture
def empty_database(backend, tmp_path):
    yield from databases.empty_database(backend, tmp_path, "restored")


@pytest.mark.slow
def test_backup_and_restore_keep_the_log_verifying_and_the_witnessed_checkpoints(
    app, rt, client, world, empty_database, tmp_path, monkeypatch
):  # noqa: F811
    from web.app import create_app

    monkeypatch.setenv("ONEHALL_WITNESS_PASSPHRASE", "witness-passphrase")
    person, _ = seal_setup(rt, client, world)
    receipt_for_case(client, world, person, "XT2026-0001")
    publish_checkpoint(rt)
    cli = app.test_cli_runner()
    witness = tmp_path / "witness"

    def ok(runner, *args):
        res = runner.invoke(main, list(args), catch_exceptions=False)
        assert res.exit_code == 0, res.output
        return res.output

    ok(cli, "witness", "init", str(witness))
    ok(cli, "witness", "cosign", str(witness))
    ok(cli, "backup", str(tmp_path / "backup"))

    url, schema = empty_database
    restored = create_app(databases.app_settings(url, schema, tmp_path / "other"))
    again = restored.test_cli_runner()
    assert "与备份时的检查点一致" in ok(again, "restore", str(tmp_path / "backup"))
    refused = again.invoke(main, ["restore", str(tmp_path / "backup")])
    assert refused.exit_code == 2 and "只能恢复到空数据库" in refused.output
    assert "一致" in ok(again, "keys", "check")
    ok(again, "audit")  # the registry is what the log says
    ok(again, "log", "export", str(tmp_path / "export"))
    ok(again, "keys", "save", str(tmp_path / "keys.json"))
    verified = ok(
        again,
        "verify",
        str(tmp_path / "export"),
        "--keys",
        str(tmp_path / "keys.json"),
        "--checkpoints",
        str(witness / "cosigned"),
        "--workers",
        "1",
    )
    assert "核验通过" in verified
    # the restored registry takes new acts (tokens, sequences and keys came back) and the witness
    # cosigns its next checkpoint: consistent with the one it cosigned before the backup
    receipt_for_case(restored.test_client(), world, person, "XT2026-0002")
    publish_checkpoint(restored.extensions["onehall"])
    ok(again, "witness", "cosign", str(witness))
    restored.extensions["onehall"].close()
