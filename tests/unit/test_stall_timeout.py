"""A stream that sends text and then only keep-alive comments is stopped by the no-progress
deadline (`stall_timeout` per profile, 90 s by default), saying so and keeping the text."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tests.helpers import demo_config
from tui.cli import main
from tui.demo import DemoGateway, Fault
from tui.demo.answers import answer_text, split_pieces
from tui.gateway import ExitCode
from tui.profiles.config import ConfigError, load
from tui.profiles.runtime import spec_for


def write_config(home: Path, demo: DemoGateway, extra: str) -> Path:
    return demo_config(home, demo, f'default_model = "gpt-4o-mini"\n{extra}')


def test_a_configured_stall_timeout_stops_keepalives_and_keeps_the_text(
    demo: DemoGateway,
    isolated_env: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # nothing piped: the prompt alone
    path = write_config(isolated_env, demo, "stall_timeout = 0.5")
    demo.add_fault(Fault("keepalive_stall", after=2, seconds=120))
    code = main(["--config", str(path), "chat", "hi"])
    out, err = capsys.readouterr()
    assert code == ExitCode.NETWORK
    assert out == "".join(split_pieces(answer_text("hi"))[:2]) + "\n"  # the text so far, kept
    assert "sent no new text for 0.5 s (only keep-alives)" in err
    assert "text so far is kept" in err


def test_the_default_is_90_seconds_and_bad_values_are_config_errors(
    demo: DemoGateway, isolated_env: Path
) -> None:
    assert spec_for(load(write_config(isolated_env, demo, "")).profile()).timeouts.stall == 90
    profile = load(write_config(isolated_env, demo, "stall_timeout = 30")).profile()
    assert spec_for(profile).timeouts.stall == 30
    for bad in ("0", "-1", '"soon"'):
        with pytest.raises(ConfigError, match="stall_timeout"):
            load(write_config(isolated_env, demo, f"stall_timeout = {bad}"))
