"""A real LiteLLM proxy (PyPI's `litellm[proxy]`, models answering with `mock_response`, no
upstream, no database), driven by the CLI and the app: models, chat streamed and not, the billed
cost in `x-litellm-response-cost`, its errors, and a gateway without a balance endpoint handled
without polling. Its `/key/info` and `/spend/logs` need a database (500 here): those are proven
against the LiteLLM-shaped demo in tests/unit/test_families.py.

The proxy is started once per session from its own virtualenv, `.venv-litellm` (LiteLLM pins an
older `rich` than Textual needs), which the first run makes with the version pinned below (about a
minute; so the README's one test command and `.ci/run` stay the same command), or from
$TOKENDECK_LITELLM (the `litellm` program). TOKENDECK_LITELLM=skip skips these tests.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import suppress
from decimal import Decimal
from pathlib import Path

import pytest
from textual.worker import WorkerCancelled

from tests.helpers import FIXED_NOW, screen_text, wait_for
from tui.base.clock import FrozenClock
from tui.gateway import Secret
from tui.profiles.config import Config, Profile
from tui.profiles.runtime import spec_for

ROOT = Path(__file__).resolve().parent.parent
MASTER_KEY = "sk-master-tokendeck-test"
PROMPT_PRICE, COMPLETION_PRICE = Decimal("0.000002"), Decimal("0.000008")  # USD per token
MOCK_TEXT = "Hello from the mock model."
LITELLM = "litellm[proxy]==1.108.7"  # the version these tests were written against
READY_WITHIN = 180.0  # seconds; it answers about 25 s after start (bounds a hang only)
CONFIG = f"""
model_list:
  - model_name: mock-gpt
    litellm_params:
      model: openai/mock-gpt
      api_key: sk-upstream-unused
      mock_response: "{MOCK_TEXT}"
      input_cost_per_token: {PROMPT_PRICE}
      output_cost_per_token: {COMPLETION_PRICE}
    model_info:
      max_input_tokens: 32768
  - model_name: mock-limited
    litellm_params:
      model: openai/mock-limited
      api_key: sk-upstream-unused
      mock_response: "litellm.RateLimitError"
general_settings:
  master_key: {MASTER_KEY}
"""


def litellm_program() -> str | None:
    """The `litellm` program: named, else in .venv-litellm (made on first use), else on PATH."""
    named = os.environ.get("TOKENDECK_LITELLM")
    if named:
        return None if named == "skip" else named
    venv = ROOT / ".venv-litellm"
    local = venv / "bin" / "litellm"
    if not local.exists():
        made = subprocess.run(
            f"{shlex.quote(sys.executable)} -m venv {shlex.quote(str(venv))} && "
            f"{shlex.quote(str(venv / 'bin' / 'pip'))} install -q {shlex.quote(LITELLM)}",
            shell=True, capture_output=True, text=True, timeout=900, check=False,
        )  # fmt: skip
        if made.returncode != 0 or not local.exists():
            pytest.fail(f"could not install {LITELLM} into {venv}:\n{made.stderr[-3000:]}")
    return str(local) if local.exists() else shutil.which("litellm")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def alive(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/health/liveliness", timeout=2) as answer:
            return bool(answer.status == 200)
    except OSError:
        return False


@pytest.fixture(scope="session")
def litellm_proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The proxy's base URL (without /v1, as LiteLLM's docs write it)."""
    program = litellm_program()
    if program is None:
        pytest.skip("TOKENDECK_LITELLM=skip: the real LiteLLM proxy is not run")
    work = tmp_path_factory.mktemp("litellm")
    (work / "cfg.yaml").write_text(CONFIG)
    port = free_port()
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True", "LITELLM_LOG": "ERROR",
           "NO_PROXY": "*", "HOME": str(work)}  # fmt: skip
    env.pop("DATABASE_URL", None)
    log = (work / "proxy.log").open("w")
    proxy = subprocess.Popen(
        [program, "--config", str(work / "cfg.yaml"), "--host", "127.0.0.1", "--port", str(port)],
        cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + READY_WITHIN
    try:
        while not alive(url):
            if proxy.poll() is not None or time.monotonic() > deadline:
                log.flush()
                said = (work / "proxy.log").read_text()[-3000:]
                pytest.fail("the LiteLLM proxy did not start:\n" + said)
            time.sleep(0.5)
        yield url
    finally:
        os.killpg(proxy.pid, signal.SIGTERM)
        try:
            proxy.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proxy.pid, signal.SIGKILL)
            proxy.wait()
        log.close()


def config_file(home: Path, base: str, key: str | None = MASTER_KEY, extra: str = "") -> Path:
    path = home / "config.toml"
    key_line = f'api_key = "{key}"\n' if key else ""
    path.write_text(f'default_profile = "ll"\n[profiles.ll]\nbase_url = "{base}"\n{key_line}'
                    f'default_model = "mock-gpt"\n{extra}')  # fmt: skip
    path.chmod(0o600)
    return path


def tokendeck(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tui", "--config", str(config), *args],
        capture_output=True, text=True, timeout=120, env=dict(os.environ), check=False,
    )  # fmt: skip


def test_cli_models_and_chats_with_the_billed_cost(litellm_proxy: str, tmp_path: Path) -> None:
    config = config_file(tmp_path, litellm_proxy + "/v1")
    models = tokendeck(config, "models", "--json")
    streamed = tokendeck(config, "chat", "--usage", "Say hello")
    whole = tokendeck(config, "chat", "--no-stream", "--json", "Say hello")
    assert models.returncode == 0, models.stderr
    assert {m["id"] for m in json.loads(models.stdout)} == {"mock-gpt", "mock-limited"}
    assert streamed.returncode == 0, streamed.stderr
    assert streamed.stdout.strip() == MOCK_TEXT
    assert whole.returncode == 0, whole.stderr
    data = json.loads(whole.stdout)
    price = PROMPT_PRICE * data["prompt_tokens"] + COMPLETION_PRICE * data["completion_tokens"]
    assert data["text"] == MOCK_TEXT
    assert data["cost_basis"] == "billed" and data["cost_unit"] == "USD"
    assert abs(Decimal(data["cost"]) - price) < Decimal("1e-12")  # the header's float
    assert data["request_id"].startswith("chatcmpl-")  # the id LiteLLM's spend logs keep


def test_cli_errors_are_one_line_with_their_exit_codes(litellm_proxy: str, tmp_path: Path) -> None:
    base = litellm_proxy + "/v1"
    limited = tokendeck(config_file(tmp_path, base), "chat", "-m", "mock-limited", "hi")
    unknown = tokendeck(config_file(tmp_path, base), "chat", "--no-stream", "-m", "nope", "hi")
    wrong = tokendeck(config_file(tmp_path, base, key="sk-not-a-key"), "models")
    keyless = tokendeck(config_file(tmp_path, base, key=None), "models")
    assert limited.returncode == 6, limited.stderr
    assert unknown.returncode == 10, unknown.stderr
    assert "Invalid model name" in unknown.stderr and unknown.stderr.count("\n") == 1
    assert wrong.returncode == 4 and "check the key" in wrong.stderr  # 400 "No connected db"
    assert "server error" not in wrong.stderr
    assert keyless.returncode == 4 and "has none" in keyless.stderr  # its 500 in plain text


def test_no_balance_endpoint_is_said_and_remembered(litellm_proxy: str, tmp_path: Path) -> None:
    config = config_file(tmp_path, litellm_proxy)  # without /v1, as LiteLLM's docs write it
    first = tokendeck(config, "balance")
    second = tokendeck(config, "balance", "--check")
    probe = tokendeck(config, "probe", "--json")
    said = tokendeck(config, "probe")
    assert (first.returncode, second.returncode) == (13, 13), first.stderr + second.stderr
    assert first.stderr.strip().endswith("offers no balance endpoint.")
    assert first.stderr.count("\n") == 1 and "check the base URL" not in first.stderr
    assert "found so today" in second.stderr  # remembered: nothing asked the second time
    report = json.loads(probe.stdout)
    assert report["models"] == 2 and report["family"] is None
    assert report["software"] == "litellm"
    assert report["settings"] == {"balance": "none", "unit": "USD", "software": "litellm"}
    assert "a LiteLLM proxy without its database" in said.stdout


async def test_app_chats_and_shows_no_balance_without_polling(
    litellm_proxy: str, tmp_path: Path
) -> None:
    from tui.ui.app import TokenDeck
    from tui.ui.widgets.chat import ChatPanel

    profile = Profile(name="ll", base_url=litellm_proxy + "/v1", api_key=Secret(MASTER_KEY),
                      default_model="mock-gpt")  # fmt: skip
    config = Config(path=tmp_path / "config.toml", data={"cursor_blink": False})
    app = TokenDeck(config=config, profile=profile, spec=spec_for(profile), demo=False,
                    clock=FrozenClock(FIXED_NOW))  # fmt: skip
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.balance_missing is not None, limit=60)
        gateway = app.gateway
        await pilot.press(*"Say hello", "enter")
        panel = app.screen.query_one(ChatPanel)
        await wait_for(pilot, lambda: len(panel.conversation.turns) == 2 and not panel.streaming,
                       limit=60)  # fmt: skip
        answer = panel.conversation.turns[-1]
        retries = gateway.retries
        app.refresh_balance()  # what the 60 s timer does: asks nothing now
        with suppress(WorkerCancelled):  # a refresh still running is replaced by this one
            await app.workers.wait_for_complete()
        await pilot.press("f5")
        await pilot.pause()
        shown = screen_text(app)
    assert answer.content == MOCK_TEXT and answer.usage is not None
    assert "No balance endpoint" in shown and "Could not refresh" not in shown
    assert gateway.retries == retries == 0  # 404s and 500s of detection were not retried



def test_setup_saves_litellm_so_model_info_prices_apply(litellm_proxy: str, tmp_path: Path) -> None:
    """Without its database the proxy has no balance endpoint: `config init` saves
    software = "litellm" beside balance = "none", so /model/info's prices per token and
    max_input_tokens apply without a probe (they are what an answer without a stated cost is
    estimated from). This version states a streamed answer's cost in its last chunk's usage:
    billed, equal to those prices."""
    from tui.profiles.config import load

    config = tmp_path / "config.toml"
    init = tokendeck(config, "config", "init", "--preset", "custom", "--name", "ll",
                     "--base-url", litellm_proxy + "/v1", "--api-key", MASTER_KEY)  # fmt: skip
    assert init.returncode == 0, init.stderr
    saved = load(config).profiles["ll"]
    assert (saved.balance, saved.software, saved.unit) == ("none", "litellm", "USD")
    models = tokendeck(config, "models", "--json")
    streamed = tokendeck(config, "chat", "--json", "Say hello")
    assert models.returncode == 0, models.stderr
    listed = {m["id"]: m for m in json.loads(models.stdout)}
    assert listed["mock-gpt"]["context_length"] == 32768
    assert listed["mock-gpt"]["pricing"] == {"prompt": float(PROMPT_PRICE),
                                             "completion": float(COMPLETION_PRICE)}  # fmt: skip
    assert streamed.returncode == 0, streamed.stderr
    data = json.loads(streamed.stdout)
    price = PROMPT_PRICE * data["prompt_tokens"] + COMPLETION_PRICE * data["completion_tokens"]
    assert (data["cost_basis"], data["cost_unit"]) == ("billed", "USD")
    assert abs(Decimal(data["cost"]) - price) < Decimal("1e-12")
