"""Shell completion scripts, generated from the parser, and run by real shells."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tui.cli import main
from tui.cli.completion import SHELLS, model
from tui.cli.parser import build_parser

ROOT = Path(__file__).resolve().parents[2]
CONFIG = """[profiles.alpha]
base_url = "https://a.example/v1"
[profiles.beta]
base_url = "https://b.example/v1"
"""


def script(shell: str, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> Path:
    assert main(["completion", shell]) == 0
    path = tmp_path / f"tokendeck.{shell}"
    path.write_text(capsys.readouterr().out)
    return path


def needs(shell: str) -> str:
    found = shutil.which(shell)
    if found is None:
        pytest.skip(f"{shell} is not installed")
    return found


@pytest.fixture
def wrapper(tmp_path: Path) -> Path:
    """A `tokendeck` executable running this checkout, for the dynamic profile completion."""
    path = tmp_path / "bin" / "tokendeck"
    path.parent.mkdir()
    path.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m tui "$@"\n')
    path.chmod(0o755)
    return path


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "profiles.toml"
    path.write_text(CONFIG)
    return path


def bash_complete(script_path: Path, *words: str) -> list[str]:
    """COMPREPLY after the bash function runs on `words` (the last one is being typed)."""
    code = (
        f'source "{script_path}"; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); '
        'COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; _tokendeck; printf "%s\\n" "${COMPREPLY[@]}"'
    )
    done = subprocess.run(
        [needs("bash"), "--norc", "-c", code, "bash", *words],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=60,
        check=True,
    )
    return done.stdout.split()


def test_completion_module_does_not_import_textual() -> None:
    code = "import sys, tui.cli.completion; print('textual' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.stdout.strip() == "False", done.stderr


def test_bash_script_is_valid(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = script("bash", capsys, tmp_path)
    done = subprocess.run([needs("bash"), "-n", str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(
    ("words", "expected", "exact"),
    [
        (("",), {"models", "balance", "logs", "chat", "config", "key", "completion"}, False),
        (("logs", "--format", ""), {"table", "csv", "json"}, True),
        (("logs", "--format", "=", "c"), {"csv"}, True),
        (("export", "--format", ""), {"md", "json"}, True),
        (("config", ""), {"init", "show", "path", "profiles"}, True),
        (("--json", "config", ""), {"init", "show", "path", "profiles"}, True),
        (("key", ""), {"create"}, True),
        (("config", "init", "--preset", ""), {"opencodex", "openai-hk", "custom"}, True),
        (("config", "init", "--api-k"), {"--api-key", "--api-key-env", "--api-key-cmd"}, True),
        (("logs", "--f"), {"--format"}, True),
        (("completion", ""), {"bash", "zsh", "fish"}, True),
        # an option's value is no command: after it comes logs' own action, not config's
        (("logs", "--model", "config", ""), {"sync"}, True),
        (("chat", "--since"), set(), True),  # logs' option, not chat's
    ],
)
def test_bash_completes(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    words: tuple[str, ...],
    expected: set[str],
    exact: bool,
) -> None:
    got = set(bash_complete(script("bash", capsys, tmp_path), "tokendeck", *words))
    if exact:
        assert got == expected
    else:
        assert expected <= got


def test_bash_completes_profiles_from_the_config(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, wrapper: Path, config_file: Path
) -> None:
    path = script("bash", capsys, tmp_path)
    words = [str(wrapper), "--config", str(config_file), "logs"]
    assert bash_complete(path, *words, "--profile", "") == ["alpha", "beta"]
    assert bash_complete(path, *words, "-p", "b") == ["beta"]


def test_config_profiles_prints_one_name_a_line(
    capsys: pytest.CaptureFixture[str], config_file: Path
) -> None:
    assert main(["--config", str(config_file), "config", "profiles"]) == 0
    assert capsys.readouterr().out == "alpha\nbeta\n"
    assert main(["config", "profiles", "--json", "--config", str(config_file)]) == 0
    assert json.loads(capsys.readouterr().out) == ["alpha", "beta"]


def test_every_command_is_in_every_script(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    names = {name for c in model(build_parser()).walk() for name in c.subcommands}
    assert {"models", "balance", "logs", "chat", "key", "config", "init", "profiles"} <= names
    for shell in SHELLS:
        text = script(shell, capsys, tmp_path).read_text()
        assert text.strip()
        missing = {name for name in names if name not in text}
        assert not missing, f"{shell}: {sorted(missing)}"


def test_zsh_script_is_valid_and_completes(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    zsh = needs("zsh")
    path = script("zsh", capsys, tmp_path)
    done = subprocess.run([zsh, "-n", str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    # Outside a completion widget, stand-ins print what the real builtins would offer.
    harness = (
        f'compdef() {{ : }}; source "{path}"\n'
        "compadd() { [[ $1 == -a ]] && print -rl -- ${(P)2} }\n"
        "_describe() { local a; for a in ${(P)4}; do print -r -- ${a%%:*}; done }\n"
        "compset() { : }\n"
        'words=("$@"); CURRENT=$#; _tokendeck\n'
    )

    def complete(*words: str) -> set[str]:
        cmd = [zsh, "-f", "-c", harness, "zsh", "tokendeck", *words]
        return set(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.split())

    assert {"models", "balance", "logs", "chat"} <= complete("")
    assert complete("logs", "--format", "") == {"table", "csv", "json"}
    assert complete("logs", "--format=") == {"table", "csv", "json"}
    assert complete("config", "") == {"init", "show", "path", "profiles"}


def test_fish_script_is_valid_and_completes(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, wrapper: Path, config_file: Path
) -> None:
    fish = needs("fish")
    path = script("fish", capsys, tmp_path)
    done = subprocess.run([fish, "-n", str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr

    def complete(line: str) -> set[str]:
        code = f"source {path}; complete -C {line!r}"
        done = subprocess.run(
            [fish, "--no-config", "-c", code],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            timeout=60,
            check=True,
        )
        return {row.split("\t")[0] for row in done.stdout.splitlines()}

    assert {"models", "balance", "logs", "chat"} <= complete("tokendeck ")
    assert complete("tokendeck logs --format ") == {"table", "csv", "json"}
    assert complete("tokendeck config ") == {"init", "show", "path", "profiles"}
    assert complete(f"{wrapper} --config {config_file} chat -p ") == {"alpha", "beta"}


def test_every_command_help_has_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    commands = model(build_parser()).subcommands
    assert "completion" in commands
    for name in commands:
        assert main([name, "--help"]) == 0
        assert "example:" in capsys.readouterr().out, name


def test_every_nested_action_help_has_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    for words in (
        ["key", "create"],
        ["config", "init"],
        ["config", "show"],
        ["config", "path"],
        ["config", "profiles"],
    ):
        assert main([*words, "--help"]) == 0
        assert "example:" in capsys.readouterr().out, words
