"""Settings from the environment, the production refusal, the log origin fixed at init (§12.5)."""

from __future__ import annotations

import pytest

from registry import deployment, migrate
from registry.db import make_engine, session_factory
from tests.factories.processes import clean_env, onehall_exe, run
from application.config import Settings
from tests.factories.databases import app_settings


def test_production_refuses_to_start_and_names_what_is_missing_in_chinese_and_english(tmp_path):
    env = clean_env() | {
        "ONEHALL_ENV": "production",
        "ONEHALL_INSTANCE": str(tmp_path / "instance"),
        "ONEHALL_KEY_PASSPHRASE": "given",
    }
    for command in (["init"], ["serve", "--port", "0"], ["keys", "list"]):
        res = run([onehall_exe(), *command], env=env, timeout=60)
        assert res.returncode == 2, (command, res.stdout, res.stderr)
        assert "ONEHALL_SECRET_KEY" in res.stderr and "ONEHALL_LOG_ORIGIN" in res.stderr
        assert "ONEHALL_KEY_PASSPHRASE" not in res.stderr  # given: not named
        assert "拒绝启动" in res.stderr and "refusing to start" in res.stderr
    assert not (tmp_path / "instance" / "onehall.db").exists()  # nothing created
    assert not (tmp_path / "instance" / "secret_key").exists()


def test_settings_are_typed_and_a_wrong_value_is_named(monkeypatch, tmp_path):
    monkeypatch.setenv("ONEHALL_CHECKPOINT_INTERVAL_MS", "often")
    with pytest.raises(ValueError, match="checkpoint_interval_ms"):
        Settings(instance_dir=tmp_path)
    monkeypatch.setenv("ONEHALL_CHECKPOINT_INTERVAL_MS", "50")
    monkeypatch.setenv("ONEHALL_PUBLIC_URL", "https://zwfw.example.gov.cn/onehall/")
    monkeypatch.setenv("ONEHALL_TRUSTED_PROXIES", "10.1.0.0/24, 10.2.0.7")
    s = Settings(instance_dir=tmp_path)
    assert s.checkpoint_interval_ms == 50 and s.public_url == "https://zwfw.example.gov.cn/onehall"
    assert s.proxies[0] == 1 and len(s.proxies[1]) == 2
    monkeypatch.setenv("ONEHALL_TRUSTED_PROXIES", "the proxy")
    with pytest.raises(ValueError, match="ONEHALL_TRUSTED_PROXIES"):
        Settings(instance_dir=tmp_path)


def test_production_with_everything_given_generates_nothing(monkeypatch, tmp_path):
    for name, value in [
        ("ENV", "production"),
        ("SECRET_KEY", "s" * 32),
        ("KEY_PASSPHRASE", "p" * 16),
        ("LOG_ORIGIN", "zwfw.example.gov.cn/onehall/log"),
    ]:
        monkeypatch.setenv(f"ONEHALL_{name}", value)
    s = Settings.from_env(instance_dir=tmp_path / "i")
    assert s.secret_key == "s" * 32 and s.key_passphrase == b"p" * 16
    assert not (tmp_path / "i" / "secret_key").exists() and not (tmp_path / "i" / "key_passphrase").exists()


def test_the_log_origin_is_fixed_at_init_and_a_later_change_is_refused(database, tmp_path):
    from web.app import create_app

    url, schema = database
    engine = make_engine(url, schema=schema)
    migrate.upgrade(engine)

    def settings(origin):
        return app_settings(url, schema, tmp_path, log_origin=origin)

    app = create_app(settings("city-a.example/log"))
    rt = app.extensions["onehall"]
    with rt.filing_session() as session:
        deployment.fix(session, deployment.LOG_ORIGIN, rt.settings.log_origin)
    rt.close()
    with pytest.raises(deployment.SettingConflict, match="city-a.example/log"):
        create_app(settings("city-b.example/log"))
    same = create_app(settings("city-a.example/log"))
    assert same.extensions["onehall"].ledger.settings.origin == "city-a.example/log"
    same.extensions["onehall"].close()
    unset = create_app(settings(None))  # not given: the fixed one, not the development default
    assert unset.extensions["onehall"].settings.log_origin == "city-a.example/log"
    unset.extensions["onehall"].close()
    with session_factory(engine)() as session:
        with pytest.raises(deployment.SettingConflict):
            deployment.fix(session, deployment.LOG_ORIGIN, "city-b.example/log")
    engine.dispose()


def test_init_fixes_the_origin_and_a_later_start_with_another_is_refused(tmp_path):
    env = clean_env() | {
        "ONEHALL_INSTANCE": str(tmp_path / "instance"),
        "ONEHALL_KEY_PASSPHRASE": "p",
        "ONEHALL_LOG_ORIGIN": "city-a.example/log",
    }
    first = run([onehall_exe(), "init"], env=env, timeout=300)
    assert first.returncode == 0, first.stderr
    assert "city-a.example/log" in first.stdout
    later = run([onehall_exe(), "keys", "list"], env=env | {"ONEHALL_LOG_ORIGIN": "city-b.example/log"})
    assert later.returncode == 2 and "city-a.example/log" in later.stderr and "拒绝启动" in later.stderr
