"""`tokendeck --help` lists every exit code the README's table documents, in both languages."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"


def documented_codes() -> list[str]:
    text = README.read_text().split("### Exit codes", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| (\d+) \|", text, re.M)


@pytest.mark.parametrize("lang", ["C.UTF-8", "zh_CN.UTF-8"])
def test_help_lists_every_documented_exit_code(lang: str, tmp_path: Path) -> None:
    env = {**os.environ, "LANG": lang, "LC_ALL": "", "LANGUAGE": "", "HOME": str(tmp_path),
           "TOKENDECK_CONFIG": str(tmp_path / "none.toml")}  # fmt: skip
    shown = subprocess.run([sys.executable, "-m", "tui", "--help"], capture_output=True,
                           text=True, env=env, timeout=60, check=True).stdout  # fmt: skip
    epilog = " ".join(shown.split("\n\n")[-1].split())
    codes = documented_codes()
    assert "13" in codes and "130" in codes
    missing = [c for c in codes if not re.search(rf"(?<!\d){c}(?!\d)", epilog)]
    assert not missing, (missing, epilog)
