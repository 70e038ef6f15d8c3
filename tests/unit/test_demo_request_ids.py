"""The built-in demo (a new one in every command) gives each answer its own request id: the
same id in two commands made the log row of one price the other's answer too."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def test_two_commands_answers_have_different_request_ids(tmp_path: Path) -> None:
    env = {**os.environ, "HOME": str(tmp_path), "LANG": "C.UTF-8",
           "TOKENDECK_CONFIG": str(tmp_path / "none.toml"),
           "TOKENDECK_DATA_DIR": str(tmp_path / "data")}  # fmt: skip
    env.pop("TOKENDECK_DEMO_URL", None)
    env.pop("OPENAI_API_KEY", None)
    ids = []
    for _run in range(2):
        argv = [sys.executable, "-m", "tui", "chat", "--json", "Explain tests"]
        done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=120)
        assert done.returncode == 0, done.stderr
        ids.append(json.loads(done.stdout)["request_id"])
    assert ids[0] and ids[0] != ids[1]
