"""`tokendeck chat` as a chat tool, run as a real subprocess against the demo gateway over
loopback: saved and continued conversations, prompt + stdin, --json and --usage, attached
files, templates and aliases, $EDITOR. The demo records what it was sent."""

from __future__ import annotations

import base64
import json
import sqlite3
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from tests.helpers import interruptible
from tests.unit.test_cli import tokendeck, write_config
from tui.demo import DEMO_KEY, DemoGateway

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
JSON_KEYS = {
    "text", "reasoning", "model", "finish_reason", "request_id", "prompt_tokens",
    "completion_tokens", "cost", "cost_basis", "cost_unit", "conversation_id", "status", "error",
}  # fmt: skip


@pytest.fixture
def env(demo: DemoGateway) -> dict[str, str]:
    return {"TOKENDECK_DEMO_URL": demo.url}


def chat(*args: str, env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    done = tokendeck("chat", *args, env=env, stdin=stdin)
    return done


def history(env: dict[str, str]) -> list[dict[str, object]]:
    done = tokendeck("history", "--json", env=env)
    assert done.returncode == 0, done.stderr
    found: list[dict[str, object]] = json.loads(done.stdout)
    return found


def test_prompt_is_the_instruction_and_stdin_the_material(
    demo: DemoGateway, env: dict[str, str]
) -> None:
    done = chat("summarize", env=env, stdin="line one\nline two\n")
    assert done.returncode == 0, done.stderr
    sent = demo.chat_requests[-1]
    assert sent.messages[-1] == ("user", "summarize\n\nline one\nline two\n")
    assert sent.prompt_tokens > 5  # stdin was not dropped


def test_every_chat_is_kept_continued_with_c_and_cid(
    demo: DemoGateway, env: dict[str, str]
) -> None:
    assert chat("first question", env=env).returncode == 0
    assert chat("other topic", env=env).returncode == 0
    listed = history(env)
    assert [c["title"] for c in listed] == ["other topic", "first question"]
    assert [c["messages"] for c in listed] == [2, 2]
    done = chat("-c", "follow up", env=env)
    assert done.returncode == 0, done.stderr
    assert demo.chat_requests[-1].history == 2  # the question and the answer before
    assert demo.chat_requests[-1].messages[0] == ("user", "other topic")
    first_id = str(listed[1]["id"])
    assert chat("--cid", first_id, "back to it", env=env).returncode == 0
    assert demo.chat_requests[-1].messages[0] == ("user", "first question")
    assert chat("--no-save", "throwaway", env=env).returncode == 0
    counts = {c["title"]: c["messages"] for c in history(env)}
    assert counts == {"other topic": 4, "first question": 4}


def test_nothing_to_continue_and_an_unknown_id_are_usage_errors(env: dict[str, str]) -> None:
    done = chat("-c", "hello", env=env)
    assert done.returncode == 2 and "nothing to continue" in done.stderr
    assert chat("hello", env=env).returncode == 0
    done = chat("--cid", "999", "hello", env=env)
    assert done.returncode == 2 and "no conversation with id 999" in done.stderr


def test_json_is_one_object_with_the_answer_and_its_cost(
    demo: DemoGateway, env: dict[str, str]
) -> None:
    done = chat("--json", "-m", "gpt-4o-mini", "tell me about tea", env=env)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)  # the whole stdout is one object: no streamed text
    assert set(data) == JSON_KEYS
    row = demo.logs[0]
    assert data["request_id"] == row["reqid"]
    assert (data["prompt_tokens"], data["completion_tokens"]) == (
        int(row["prompt_tokens"]),
        int(row["completion_tokens"]),
    )
    assert data["model"] == "gpt-4o-mini" and data["finish_reason"] == "stop"
    assert data["cost_basis"] == "estimated" and Decimal(data["cost"]) > 0
    assert data["conversation_id"] == history(env)[0]["id"]
    assert data["text"].startswith(("#", "Good question")) or data["text"]


def test_usage_goes_to_stderr_after_the_answer(demo: DemoGateway, env: dict[str, str]) -> None:
    done = chat("-u", "-m", "gpt-4o-mini", "hello", env=env)
    assert done.returncode == 0, done.stderr
    row = demo.logs[0]
    assert f"{row['prompt_tokens']} prompt + {row['completion_tokens']} completion tokens" in (
        done.stderr
    )
    assert "credits (estimate)" in done.stderr and "tokens" not in done.stdout[-200:]


def test_history_shows_exact_credits_once_the_log_syncs(
    demo: DemoGateway, tmp_path: Path, isolated_env: Path
) -> None:
    config = str(write_config(isolated_env, demo))
    assert tokendeck("--config", config, "chat", "hello", stdin="").returncode == 0
    before = json.loads(tokendeck("--config", config, "history", "--json").stdout)[0]
    assert before["credits_estimated"] is True or before["credits"] is None
    assert tokendeck("--config", config, "logs", "sync").returncode == 0
    after = json.loads(tokendeck("--config", config, "history", "--json").stdout)[0]
    assert after["credits"] == int(demo.logs[0]["fen"]) and after["credits_estimated"] is False
    table = tokendeck("--config", config, "history").stdout
    assert f"{int(demo.logs[0]['fen']):,}" in table.splitlines()[1]


def test_files_go_as_named_blocks_and_image_parts_and_stay_with_the_conversation(
    demo: DemoGateway, env: dict[str, str], tmp_path: Path, isolated_env: Path
) -> None:
    note, shot = tmp_path / "notes.txt", tmp_path / "shot.png"
    note.write_text("alpha\nbeta\n")
    shot.write_bytes(PNG)
    done = chat("-m", "gpt-4o", "-a", str(note), "-a", str(shot), "what are these", env=env)
    assert done.returncode == 0, done.stderr
    sent = demo.chat_requests[-1]
    assert sent.files == (("notes.txt", 11),)
    assert [(i.media_type, i.size) for i in sent.images] == [("image/png", len(PNG))]
    assert chat("-c", "-a", str(shot), "and again", env=env).returncode == 0
    sent = demo.chat_requests[-1]
    assert sent.files == (("notes.txt", 11),)  # the first message's file is sent again
    assert [i.message for i in sent.images] == [0, 2]
    db = isolated_env / ".local" / "share" / "tokendeck" / "tokendeck.db"
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM blobs").fetchone()[0] == 2  # png once
        assert conn.execute("SELECT count(*) FROM attachments").fetchone()[0] == 3
    cid = str(history(env)[0]["id"])
    exported = json.loads(tokendeck("export", cid, "--format", "json", env=env).stdout)
    names = [[a["name"] for a in m["attachments"]] for m in exported["messages"]]
    assert names == [["notes.txt", "shot.png"], [], ["shot.png"], []]


def test_a_model_that_refuses_images_says_so_in_one_line(
    demo: DemoGateway, env: dict[str, str], tmp_path: Path
) -> None:
    shot = tmp_path / "shot.png"
    shot.write_bytes(PNG)
    done = chat("-m", "deepseek-chat", "-a", str(shot), "what is this", env=env)
    assert done.returncode == 10  # bad request
    assert done.stderr.count("\n") == 1
    assert "image_url is only supported by certain models" in done.stderr


def test_files_that_cannot_go_stop_before_anything_is_sent(
    demo: DemoGateway, env: dict[str, str], tmp_path: Path
) -> None:
    (tmp_path / "big.txt").write_bytes(b"x" * (512 * 1024 + 1))
    (tmp_path / "data.bin").write_bytes(b"\x00\x01")
    for name, words in (("big.txt", "at most 524,288 bytes"), ("data.bin", "neither UTF-8")):
        done = chat("-a", str(tmp_path / name), "hi", env=env)
        assert done.returncode == 2 and words in done.stderr
    assert demo.chat_requests == []


TEMPLATES = """
[aliases]
mini = "gpt-4o-mini"

[templates.review]
system = "You review diffs."
model = "mini"
max_tokens = 5
prefix = "Review this diff:"
"""


def test_a_template_sets_system_model_parameters_and_prefix(
    demo: DemoGateway, isolated_env: Path
) -> None:
    config = str(write_config(isolated_env, demo, extra=TEMPLATES))
    done = tokendeck("--config", config, "chat", "-t", "review", "--json", stdin="+ new line\n")
    assert done.returncode == 0, done.stderr
    sent = demo.chat_requests[-1]
    assert sent.model.id == "gpt-4o-mini" and sent.max_tokens == 5
    assert sent.messages == (
        ("system", "You review diffs."),
        ("user", "Review this diff:\n\n+ new line\n"),
    )
    assert json.loads(done.stdout)["finish_reason"] == "length"
    done = tokendeck("--config", config, "chat", "-t", "nope", "hi", stdin="")
    assert done.returncode == 2 and "no template named 'nope'" in done.stderr
    assert "templates: review" in done.stderr


def test_an_alias_names_a_model_on_the_command_line(demo: DemoGateway, isolated_env: Path) -> None:
    config = str(write_config(isolated_env, demo, extra=TEMPLATES))
    done = tokendeck("--config", config, "chat", "-m", "mini", "hi", stdin="")
    assert done.returncode == 0, done.stderr
    assert demo.chat_requests[-1].model.id == "gpt-4o-mini"


def test_e_takes_the_prompt_from_the_editor(
    demo: DemoGateway, env: dict[str, str], tmp_path: Path
) -> None:
    editor = tmp_path / "editor.py"
    editor.write_text(
        "import sys\np = sys.argv[1]\nt = open(p).read()\n"
        "open(p, 'w').write(t + ' -- written in the editor')\n"
    )
    done = chat("-e", "start", env={**env, "EDITOR": f"{sys.executable} {editor}"})
    assert done.returncode == 0, done.stderr
    assert demo.chat_requests[-1].messages[-1] == ("user", "start -- written in the editor")
    failing = {**env, "EDITOR": "false"}
    done = chat("-e", "start", env=failing)
    assert done.returncode == 2 and "exited with status 1" in done.stderr


def test_a_reader_that_goes_away_does_not_lose_the_answer(
    demo: DemoGateway, env: dict[str, str]
) -> None:
    import os

    child = subprocess.Popen(
        [sys.executable, "-m", "tui", "chat", "tell me about tea"],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env={**os.environ, **env},
    )  # fmt: skip
    assert child.stdout is not None and child.stderr is not None
    child.stdout.readline()
    child.stdout.close()  # `| head -1`
    assert child.wait(timeout=60) == 0, child.stderr.read()
    child.stderr.close()
    (conversation,) = history(env)
    cid = str(conversation["id"])
    exported = json.loads(tokendeck("export", cid, "--format", "json", env=env).stdout)
    answer = exported["messages"][1]
    assert answer["status"] == "done" and answer["content"].count("\n") > 3


def test_ctrl_c_mid_answer_keeps_what_came_marked_stopped() -> None:
    import os
    import signal

    with DemoGateway(now=1_763_900_000.0, token_rate=20) as slow:
        env = {**os.environ, "TOKENDECK_DEMO_URL": slow.url}
        child = subprocess.Popen(
            [sys.executable, "-m", "tui", "chat", "tell me about tea"],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
            preexec_fn=interruptible,
        )  # fmt: skip
        assert child.stdout is not None and child.stderr is not None
        child.stdout.read(20)  # some of the answer has come
        child.send_signal(signal.SIGINT)
        assert child.wait(timeout=60) == 130
        child.stdout.close()
        child.stderr.close()
        (conversation,) = history({"TOKENDECK_DEMO_URL": slow.url})
        cid = str(conversation["id"])
        exported = json.loads(tokendeck("export", cid, "--format", "json", env=env).stdout)
    answer = exported["messages"][1]
    assert answer["status"] == "stopped" and len(answer["content"]) >= 20


def test_compare_takes_aliases_too(demo: DemoGateway, isolated_env: Path) -> None:
    config = str(write_config(isolated_env, demo, extra=TEMPLATES))
    done = tokendeck(
        "--config", config, "compare", "-m", "mini", "-m", "deepseek-chat", "--json", "hi",
        stdin="",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert {r.model.id for r in demo.chat_requests} == {"gpt-4o-mini", "deepseek-chat"}


def test_continue_leaves_comparisons_alone(demo: DemoGateway, env: dict[str, str]) -> None:
    assert chat("a plain chat", env=env).returncode == 0
    done = tokendeck("compare", "-m", "deepseek-chat", "-m", "qwen-plus", "two models", env=env)
    assert done.returncode == 0, done.stderr
    assert chat("-c", "go on", env=env).returncode == 0
    assert demo.chat_requests[-1].messages[0] == ("user", "a plain chat")  # not the comparison
    comparison = next(c for c in history(env) if str(c["title"]).startswith("⚖"))
    done = chat("--cid", str(comparison["id"]), "go on", env=env)
    assert done.returncode == 2 and "is a comparison of models" in done.stderr


def test_continue_with_a_profile_takes_that_profiles_latest_chat(
    demo: DemoGateway, env: dict[str, str], tmp_path: Path
) -> None:
    """`-p NAME chat -c` goes on with NAME's latest chat, never another gateway's (whose
    history, in its own units, would be sent to this one and added into one total)."""
    extra = (
        f'[profiles.other]\nbase_url = "{demo.opencodex_base}"\napi_key = "{DEMO_KEY}"\n'
        'default_model = "gpt-4o-mini"\n'
    )
    env = {**env, "TOKENDECK_CONFIG": str(write_config(tmp_path, demo, extra=extra))}
    assert chat("oc question", env=env).returncode == 0
    assert tokendeck("-p", "other", "chat", "other question", env=env).returncode == 0
    done = tokendeck("-p", "oc", "chat", "-c", "go on", env=env)
    assert done.returncode == 0, done.stderr
    assert demo.chat_requests[-1].messages[0] == ("user", "oc question")
    done = chat("-c", "and on", env=env)  # no profile named: the latest chat, any profile
    assert done.returncode == 0, done.stderr
    assert demo.chat_requests[-1].messages[0] == ("user", "oc question")
