"""Keys with surrounding whitespace (a TOML multi-line string, a pasted key, a command's CRLF)
work; a key that still cannot go in an HTTP header is a config error naming the profile, and
no output, file or exception text ever holds the key (CLI and app)."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import FIXED_NOW, demo_config, screen_text, wait_for
from tui.base.clock import FrozenClock
from tui.demo import DemoGateway
from tui.gateway import GatewaySpec, Secret
from tui.gateway.client import Gateway
from tui.gateway.errors import ExitCode, UnusableKey
from tui.profiles.config import ConfigError, demo_profile, load
from tui.profiles.runtime import spec_for
from tui.ui.app import TokenDeck

KEY = "sk-live-WSKEY4Tq8Lm2Vb6Nc1Xz9Hg3Jk7Pd5"
ROOT = Path(__file__).resolve().parents[2]


def needles(key: str = KEY) -> list[str]:
    secret = key.removeprefix("sk-live-")
    return [key, secret[4:20], secret[-12:]]


def command_printing(text: str) -> str:
    hidden = base64.b64encode(text.encode()).decode()
    code = f"import base64,sys; sys.stdout.write(base64.b64decode('{hidden}').decode())"
    return f'{sys.executable} -c "{code}"'


def write_config(home: Path, demo: DemoGateway, key_lines: str) -> Path:
    return demo_config(home, demo, key_lines, key=False)


def cli(
    path: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tui", "--config", str(path), *args], capture_output=True,
        text=True, cwd=ROOT, env={**os.environ, **(env or {})}, timeout=120, check=False,
    )  # fmt: skip


# (config lines, environment) that hold KEY with whitespace around it: all must work
GOOD_FORMS = {
    "multiline": (f'api_key = """{KEY}\n"""', {}),
    "crlf": (f'api_key = "  {KEY}\\r\\n"', {}),
    "env": ('api_key_env = " TD_WS_KEY "', {"TD_WS_KEY": f"{KEY}\n"}),
    "cmd": (f"api_key_cmd = {json.dumps(command_printing(KEY + chr(13) + chr(10)))}", {}),
}
BROKEN = "sk-live-WSKEY4Tq8Lm2\nVb6Nc1Xz9Hg3Jk7Pd5"  # a line break inside: no header holds it
BAD_FORMS = {
    "file": ('api_key = """sk-live-WSKEY4Tq8Lm2\nVb6Nc1Xz9Hg3Jk7Pd5"""', {}, "api_key"),
    "env": ('api_key_env = "TD_WS_KEY"', {"TD_WS_KEY": KEY[:20] + "\x07" + KEY[20:]},
            "api_key_env"),  # fmt: skip
    "cmd": (f"api_key_cmd = {json.dumps(command_printing(KEY[:20] + chr(27) + KEY[20:]))}", {},
            "api_key_cmd"),  # fmt: skip
}


@pytest.mark.parametrize("form", sorted(GOOD_FORMS))
def test_surrounding_whitespace_is_stripped(form: str, isolated_env: Path) -> None:
    lines, env = GOOD_FORMS[form]
    with DemoGateway(now=1_763_900_000.0, keys=[KEY]) as demo:
        path = write_config(isolated_env, demo, lines)
        runs = [cli(path, "models", env=env), cli(path, "balance", env=env)]
    for done in runs:
        assert done.returncode == 0, done.stderr
        assert "Traceback" not in done.stderr
        for needle in needles():
            assert needle not in done.stdout + done.stderr


@pytest.mark.parametrize("form", sorted(BAD_FORMS))
def test_a_key_no_header_can_carry_is_a_config_error_naming_the_profile(
    form: str, isolated_env: Path
) -> None:
    lines, env, field = BAD_FORMS[form]
    with DemoGateway(now=1_763_900_000.0, keys=[KEY]) as demo:
        path = write_config(isolated_env, demo, lines)
        runs = [cli(path, "models", env=env), cli(path, "balance", "--json", env=env),
                cli(path, "chat", "-m", "gpt-4o-mini", "hi", env=env)]  # fmt: skip
    for done in runs:
        assert done.returncode == ExitCode.CONFIG, done.stderr
        assert "Traceback" not in done.stderr
        assert f"profiles.gw.{field}" in done.stderr
        assert "cannot be sent in an HTTP header" in done.stderr
        for needle in [*needles(), *needles(BROKEN)]:
            assert needle not in done.stdout + done.stderr
    written = [p for p in isolated_env.rglob("*") if p.is_file() and p != path]
    for file in written:
        content = file.read_bytes()
        assert not any(n.encode() in content for n in needles()), file


def test_the_config_error_never_holds_the_key(isolated_env: Path, demo: DemoGateway) -> None:
    path = write_config(isolated_env, demo, BAD_FORMS["file"][0])
    with pytest.raises(ConfigError) as caught:
        load(path)
    text = f"{caught.value} {caught.value!r} {caught.value.args}"
    assert "profiles.gw.api_key" in text
    assert not any(n in text for n in needles(BROKEN))
    # OPENAI_API_KEY is stripped the same way, and checked the same way
    assert load(isolated_env / "none.toml").profile(environ={"OPENAI_API_KEY": f" {KEY}\n"}).key()
    with pytest.raises(ConfigError, match="OPENAI_API_KEY") as env_error:
        load(isolated_env / "none.toml").profile(environ={"OPENAI_API_KEY": BROKEN})
    assert not any(n in str(env_error.value) for n in needles(BROKEN))


async def test_the_gateway_refuses_such_a_key_once_never_retrying(demo: DemoGateway) -> None:
    spec = GatewaySpec(name="p", base_url=demo.opencodex_base, api_key=Secret(BROKEN))
    async with Gateway(spec) as gateway:
        with pytest.raises(UnusableKey) as caught:
            await gateway.models()
        assert gateway.retries == 0
    assert "profile p" in str(caught.value)
    assert not any(n in repr(caught.value) for n in needles(BROKEN))
    assert demo.requests == []  # nothing was sent


async def test_the_app_says_it_once_and_stops_there(demo: DemoGateway, tmp_path: Path) -> None:
    from dataclasses import replace

    from tui.profiles.config import Config

    profile = demo_profile()
    spec = replace(spec_for(profile, demo.url), api_key=Secret(BROKEN), name="p")
    config = Config(path=tmp_path / "config.toml", data={"cursor_blink": False})
    app = TokenDeck(config=config, profile=profile, spec=spec, demo=True,
                    clock=FrozenClock(FIXED_NOW))  # fmt: skip
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.balance_error is not None)
        await app.workers.wait_for_complete()
        await pilot.pause()
        shown = screen_text(app) + " ".join(n.message for n in app._notifications)
        assert "cannot be sent in an HTTP header" in app.balance_error
        assert app.gateway.retries == 0
        assert "Retrying" not in shown
        assert not any(n in shown for n in needles(BROKEN))
