"""Profiles and settings: config.toml, gateway presets, checking a key, building a live gateway."""
