"""Development's secret key outlives the process that made it."""

from __future__ import annotations

import stat

from portal import config


def test_development_keeps_one_key_for_every_process(tmp_path, monkeypatch):
    """``make run`` loads the demo and serves it from separate processes: the round keys
    and two-factor secrets the demo wraps under the key must open in the server."""
    monkeypatch.setattr(config, "INSTANCE_DIR", tmp_path / "instance")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("PORTAL_ENV", raising=False)
    first = config.load_config()["SECRET_KEY"]
    second = config.load_config()["SECRET_KEY"]
    assert first == second
    assert len(first) == 64
    kept = tmp_path / "instance" / "secret_key"
    assert kept.read_text() == first
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600  # readable by its owner only


def test_a_set_key_is_used_and_nothing_is_written(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "INSTANCE_DIR", tmp_path / "instance")
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    assert config.load_config()["SECRET_KEY"] == "from-the-environment"
    assert not (tmp_path / "instance").exists()
