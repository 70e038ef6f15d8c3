"""Where tokendeck keeps its files: XDG config and data directories, with overrides."""

from __future__ import annotations

import os
from pathlib import Path

APP = "tokendeck"


def config_path(override: str | os.PathLike[str] | None = None) -> Path:
    """The config file: `--config`, else $TOKENDECK_CONFIG, else $XDG_CONFIG_HOME/tokendeck."""
    if override:
        return Path(override).expanduser()
    if env := os.environ.get("TOKENDECK_CONFIG"):
        return Path(env).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(base) / APP / "config.toml"


def data_dir() -> Path:
    """Where history and caches live: $TOKENDECK_DATA_DIR, else $XDG_DATA_HOME/tokendeck."""
    if env := os.environ.get("TOKENDECK_DATA_DIR"):
        return Path(env).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / APP
