"""The README's CLI chat session runs as it is written (only its port is a free one here), in
bash, against a real `tokendeck demo-server`; what it prints is what the README shows."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"


def session() -> str:
    found = re.search(r"<!-- chat-session -->\n```sh\n(.*?)```", README.read_text("utf-8"), re.S)
    assert found, "the README lost its chat session block"
    return found.group(1)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def shown(block: str, after: str) -> list[str]:
    """The comment lines the README shows right after the line containing `after`."""
    lines = block.splitlines()
    start = next(i for i, line in enumerate(lines) if after in line) + 1
    found = []
    for line in lines[start:]:
        if not line.startswith("# "):
            break
        found.append(line[2:])
    return found


@pytest.mark.skipif(not shutil.which("jq") or not shutil.which("base64"), reason="needs jq")
def test_the_readme_chat_session_works_as_written(tmp_path: Path) -> None:
    block = session()
    assert block.startswith("port=8765 ")
    script = block.replace("port=8765", f"port={free_port()}", 1)
    bin_dir = Path(sys.executable).parent  # the `tokendeck` of this environment
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(
        ["bash", "-e", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
        timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = done.stdout.splitlines()
    assert shown(block, "| jq -c") == [line for line in out if line.startswith('{"model"')]
    table = [line for line in out if re.match(r"^(id  title| +\d+  )", line)]
    moment = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d")
    assert [moment.sub("T", row) for row in table] == [
        moment.sub("T", row) for row in shown(block, "tokendeck history")
    ]
    assert "prompt + " in done.stderr and "(estimate)" in done.stderr  # -u on stderr
