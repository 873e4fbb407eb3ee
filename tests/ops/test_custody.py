"""Keys in custody shared by hosts (docs/design.md §12.5): one key per body for every host, history
verifying across rotations, key creation and rotation logged and signed by the log key."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from registry import migrate
from registry.custody import check_against_log
from registry.models import CustodyKey, LogEntry
from registry.services.context import Actor
from signing.errors import KeyStoreError
from signing.keys import Ed25519Signer
from signing.records import parse_leaf, verify_leaf
from tests.factories.databases import app_settings

ACTOR = Actor(name="ops-test", role="gov_service")
T_SWAPPED = datetime(2018, 1, 1, tzinfo=timezone.utc)


@pytest.fixture
def hosts(database, tmp_path):
    """Two hosts: separate instance and key folders, one database."""
    from web.app import create_app

    url, schema = database
    apps = []
    for name in ("a", "b"):
        settings = app_settings(
            url, schema, tmp_path / name, key_passphrase=b"shared-passphrase", log_origin="test.example/log"
        )
        apps.append(create_app(settings))
    migrate.upgrade(apps[0].extensions["onehall"].engine)
    yield [a.extensions["onehall"] for a in apps]
    for a in apps:
        a.extensions["onehall"].close()


def append(rt, n):
    with rt.filing(ACTOR) as ctx:
        return ctx.log("test", {"n": n})


def leaves(rt):
    with rt.reading() as session:
        return [
            (i, k, bytes(leaf))
            for i, k, leaf in session.execute(
                select(LogEntry.index, LogEntry.kind, LogEntry.leaf).order_by(LogEntry.index)
            )
        ]


def test_two_hosts_sign_with_one_key_per_body_and_keep_no_key_files(hosts, tmp_path):
    a, b = hosts
    append(a, 1)
    append(b, 2)
    append(a, 3)
    signers = {parse_leaf(leaf)[1].key_id for _, kind, leaf in leaves(a) if kind == "test"}
    assert len(signers) == 1
    assert a.signing_keys.current(ACTOR.body) == b.signing_keys.current(ACTOR.body)
    assert a.ledger.commitment_key == b.ledger.commitment_key and len(a.ledger.commitment_key) == 32
    assert not list(tmp_path.rglob("*.pem")) and not list(tmp_path.rglob("commitment.key"))
    with a.reading() as session:
        rows = list(session.scalars(select(CustodyKey)))
        assert {r.custody for r in rows} == {"database"}
        assert all(bytes(r.sealed).startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----") for r in rows)
        assert check_against_log(session) == []


def test_key_creation_and_rotation_are_log_records_signed_by_the_log_key_and_history_verifies(hosts):
    a, b = hosts
    append(a, 1)
    keys = a.signing_keys
    old = keys.current(ACTOR.body)
    new = b.signing_keys.rotate(ACTOR.body)  # rotated on the other host
    append(a, 2)  # host a signs with the new key at once
    log_key = keys.current("log")
    records = {}
    for _index, kind, leaf in leaves(a):
        record = verify_leaf(leaf, keys.key_for)  # every leaf, before and after the rotation
        if kind == "key":
            assert parse_leaf(leaf)[1].key_id == log_key.key_id
            records[record["key_id"]] = record
        elif kind == "test":
            assert parse_leaf(leaf)[1].key_id == (old.key_id if record["n"] == 1 else new.key_id)
    assert records[old.key_id]["event"] == "created"
    assert records[new.key_id]["event"] == "rotated" and records[new.key_id]["previous"] == old.key_id
    assert keys.key_for(old.key_id).valid_to == new.valid_from
    with a.reading() as session:
        assert check_against_log(session) == []


def test_a_key_swapped_into_the_database_is_found(hosts):
    a, _ = hosts
    append(a, 1)
    intruder = Ed25519Signer.generate()
    with a.filing_session() as session:
        row = session.scalar(select(CustodyKey).where(CustodyKey.body == ACTOR.body))
        row.valid_to = row.valid_from
        session.add(
            CustodyKey(
                key_id=intruder.key_id,
                body=ACTOR.body,
                alg="ed25519",
                public_key=intruder.public_key_raw,
                valid_from=row.valid_from,
                custody="database",
                sealed=b"x",
            )
        )
    with a.reading() as session:
        problems = check_against_log(session)
    assert any(intruder.key_id in p and "没有日志记录" in p for p in problems), problems
    with a.filing_session() as session:
        session.delete(session.get(CustodyKey, intruder.key_id))
        log_row = session.scalar(select(CustodyKey).where(CustodyKey.body == "log"))
        log_row.public_key = intruder.public_key_raw  # the log key itself replaced
    with a.reading() as session:
        problems = check_against_log(session)
    assert any("与日志第" in p for p in problems), problems


def test_a_host_with_another_passphrase_cannot_sign(hosts, database, tmp_path):
    from web.app import create_app

    a, _ = hosts
    append(a, 1)
    url, schema = database
    wrong = create_app(
        app_settings(url, schema, tmp_path / "c", key_passphrase=b"not-the-passphrase", log_origin="test.example/log")
    )
    rt = wrong.extensions["onehall"]
    size = len(leaves(a))
    with pytest.raises(KeyStoreError, match="passphrase"):
        append(rt, 2)
    assert len(leaves(a)) == size  # nothing written
    rt.close()


def test_keys_check_command(hosts):
    from flask import Flask
    from web.cli import main

    a, _ = hosts
    append(a, 1)
    app = Flask("probe")
    app.extensions["onehall"] = a
    runner = app.test_cli_runner()
    ok = runner.invoke(main.commands["keys"], ["check"])
    assert ok.exit_code == 0 and "一致" in ok.output
    with a.filing_session() as session:
        session.scalar(select(CustodyKey).where(CustodyKey.body == ACTOR.body)).valid_from = T_SWAPPED
    bad = runner.invoke(main.commands["keys"], ["check"])
    assert bad.exit_code == 1 and "不一致" in bad.output
