"""Profiles and settings: read with tomllib, checked with file/line/key errors."""

from __future__ import annotations

import os
import re
import shlex
import stat
import sys
import tomllib  # the design card's reader (a compiled tomli would parse 10,000 prices ~2.5x faster)
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

from ..base.i18n import N_, _
from ..base.paths import config_path
from ..gateway.families import CUSTOM, KNOWN, LOG_FAMILIES, NONE, SOFTWARE, USER_LOGS
from ..gateway.secret import Secret, header_safe
from .templates import Template, parse_aliases, parse_templates, resolve_model

DEMO = "demo"
DEFAULT_OPENAI_BASE = "https://api.openai.com/v1"
KEY_COMMAND_TIMEOUT = 10.0  # seconds an api_key_cmd may take (api_key_cmd_timeout)
KEY_COMMAND_NOTICE = 1.0  # seconds before stderr says what is awaited
_LINE = re.compile(r"at line (\d+)")


class ConfigError(Exception):
    """A config problem, naming the file, the line when known, the key and what is wrong."""

    def __init__(
        self, path: Path, problem: str, *, line: int | None = None, key: str | None = None
    ) -> None:
        self.path, self.problem, self.line, self.key = path, problem, line, key
        where = f"{path}:{line}" if line else str(path)
        text = f"{where}: {key}: {problem}" if key else f"{where}: {problem}"
        super().__init__(text)


class ModelPrice(NamedTuple):
    """A model's price from the config, in credits per 1K tokens (a named tuple: made ~2x
    faster than a frozen dataclass, and a config may hold 10,000 of them)."""

    prompt: Decimal
    completion: Decimal


@dataclass(slots=True)
class Profile:
    """One gateway account: where it is, which key, and chat defaults."""

    name: str
    base_url: str
    api_key: Secret | None = field(default=None, repr=False)
    api_key_env: str | None = None
    api_key_cmd: str | None = None
    api_key_cmd_timeout: float = KEY_COMMAND_TIMEOUT  # seconds before the command is stopped
    logs_url: str | None = None
    create_url: str | None = None
    logs: str | None = None  # the usage-log family (gateway.families.LOG_FAMILIES)
    access_token: Secret | None = field(default=None, repr=False)  # new-api/one-api user logs
    user_id: str | None = None  # new-api's New-Api-User, with access_token
    software: str | None = None  # what the gateway runs ("litellm": its /model/info prices)
    balance: str = "auto"
    default_model: str | None = None
    system_prompt: str | None = None
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    stop: tuple[str, ...] = ()
    context_tokens: int | None = None  # a chat request sends at most this many tokens
    context_messages: int | None = None  # ... and at most this many messages
    stall_timeout: float | None = None  # seconds a stream may send no new text (default 90)
    low_balance: Decimal | None = None
    unit: str | None = None
    daily_budget: Decimal | None = None  # credits a day (local midnight to midnight)
    monthly_budget: Decimal | None = None  # credits a calendar month
    credits_per_unit: Decimal | None = None  # e.g. 100 credits = 1 `currency`
    currency: str | None = None
    prices: Mapping[str, ModelPrice] = field(default_factory=dict)  # ConfigPrices when set
    adapter: dict[str, Any] | None = None  # a gateway described in TOML (gateway.adapters.custom)
    demo: bool = False
    source: Path | None = None

    def key(self) -> Secret | None:
        """The API key, from the file, an environment variable or a command."""
        if self.api_key:
            return self.api_key
        where = self.source or Path("<environment>")
        if self.api_key_env:
            value = os.environ.get(self.api_key_env, "").strip()
            key = f"profiles.{self.name}.api_key_env"
            if not value:
                raise ConfigError(
                    where,
                    _("environment variable {name} is not set").format(name=self.api_key_env),
                    key=key,
                )
            return checked_key(value, where, key)
        if self.api_key_cmd:
            value = _run_key_command(
                self.api_key_cmd, where, self.name, self.api_key_cmd_timeout
            )
            return checked_key(value, where, f"profiles.{self.name}.api_key_cmd")
        return None


def checked_key(value: str, where: Path, key: str) -> Secret:
    """`value` stripped of surrounding whitespace, as a Secret; a ConfigError naming `key` (never
    the key itself) when it still holds something an HTTP header cannot carry."""
    value = value.strip()
    if not header_safe(value):
        raise ConfigError(where, _(BAD_KEY), key=key)
    return Secret(value)


BAD_KEY = N_(
    "the API key holds a character that cannot be sent in an HTTP header (a line break, a "
    "control or a non-ASCII character inside it); copy the key again (it is not shown here)"
)


def _run_key_command(command: str, where: Path, profile: str, timeout: float) -> str:
    """The first line the command prints. Still running after a second, it is said on stderr
    what is awaited (a password manager may be asking for a passphrase); it is stopped after
    `timeout` seconds."""
    import subprocess  # a key command only (~15 ms off every other command's start)

    key = f"profiles.{profile}.api_key_cmd"
    try:
        words = shlex.split(command)
        child = subprocess.Popen(
            words, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
    except (OSError, ValueError) as exc:
        raise ConfigError(
            where,
            _("could not run the key command: {error}").format(error=type(exc).__name__),
            key=key,
        ) from None
    program = Path(words[0]).name if words else ""  # never the whole line: it may hold secrets
    try:
        try:
            out, _err = child.communicate(timeout=min(KEY_COMMAND_NOTICE, timeout))
        except subprocess.TimeoutExpired:
            said = _(
                "tokendeck: waiting for the key command of profile “{profile}” ({program}); "
                "it is stopped after {seconds:g} s (api_key_cmd_timeout)…"
            )
            sys.stderr.write(said.format(profile=profile, program=program, seconds=timeout) + "\n")
            sys.stderr.flush()
            out, _err = child.communicate(timeout=max(0.0, timeout - KEY_COMMAND_NOTICE))
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        raise ConfigError(
            where,
            _("the key command ({program}) did not finish within {seconds:g} s").format(
                program=program, seconds=timeout
            ),
            key=key,
        ) from None
    value = out.strip().splitlines()[0].strip() if out.strip() else ""
    if child.returncode != 0 or not value:
        raise ConfigError(
            where,
            _("the key command failed (exit {code}) or printed nothing").format(
                code=child.returncode
            ),
            key=key,
        )
    return value


# name: (types accepted, description used in messages)
_PROFILE_KEYS: dict[str, tuple[tuple[type, ...], str]] = {
    "base_url": ((str,), N_("a URL")),
    "api_key": ((str,), N_("a string")),
    "api_key_env": ((str,), N_("an environment variable name")),
    "api_key_cmd": ((str,), N_("a command line")),
    "api_key_cmd_timeout": ((int, float), N_("a number of seconds")),
    "logs_url": ((str,), N_("a URL")),
    "create_url": ((str,), N_("a URL")),
    "logs": ((str,), N_("a usage-log family name")),
    "access_token": ((str,), N_("a string")),
    "user_id": ((str, int), N_("a user id")),
    "software": ((str,), N_("the gateway's software (litellm)")),
    "balance": ((str,), N_("a balance dialect name")),
    "default_model": ((str,), N_("a model id")),
    "system_prompt": ((str,), N_("a string")),
    "temperature": ((int, float), N_("a number from 0 to 2")),
    "top_p": ((int, float), N_("a number from 0 to 1")),
    "max_tokens": ((int,), N_("a whole number")),
    "context_tokens": ((int,), N_("a whole number")),
    "context_messages": ((int,), N_("a whole number")),
    "stall_timeout": ((int, float), N_("a number of seconds")),
    "stop": ((str, list), N_("a string or a list of strings")),
    "low_balance": ((int, float, str), N_("a number")),
    "unit": ((str,), N_("a unit name")),
    "daily_budget": ((int, float, str), N_("a number")),
    "monthly_budget": ((int, float, str), N_("a number")),
    "credits_per_unit": ((int, float, str), N_("a number")),
    "currency": ((str,), N_("a currency code such as CNY or USD")),
    "prices": ((dict,), N_("a table of model = credits per 1K tokens")),
    "adapter": ((dict,), N_("a table describing the gateway's balance (and logs) endpoint")),
}
_TOP_KEYS: dict[str, tuple[tuple[type, ...], str]] = {
    "default_profile": ((str,), N_("a profile name")),
    "language": ((str,), N_("a language code such as en or zh_CN")),
    "theme": ((str,), N_("a theme name")),
    "profiles": ((dict,), N_("a table of profiles")),
    "keymap": ((dict,), N_("a table of binding id = keys")),
    "cursor_blink": ((bool,), N_("true or false")),
    "templates": ((dict,), N_("a table of [templates.NAME] tables")),
    "aliases": ((dict,), N_("a table of name = model id")),
    "welcomed": ((bool,), N_("true or false")),
}


@dataclass
class Config:
    """The parsed config file; `data` is the raw TOML table, kept whole so saving loses nothing."""

    path: Path
    data: dict[str, Any] = field(default_factory=dict)
    profiles: dict[str, Profile] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    exists: bool = False
    stamp: tuple[int, int, int, int] | None = None  # the file as last read (file_stamp)
    _changes: list[Any] = field(default_factory=list, repr=False)  # not saved yet
    templates: dict[str, Template] = field(default_factory=dict)  # [templates.NAME]
    aliases: dict[str, str] = field(default_factory=dict)  # [aliases] name = model id

    def model_id(self, name: str) -> str:
        """The model a name stands for: an [aliases] entry's model, else the name itself."""
        return resolve_model(name, self.aliases)

    @property
    def default_profile(self) -> str | None:
        value = self.data.get("default_profile")
        return value if isinstance(value, str) else None

    @property
    def language(self) -> str | None:
        value = self.data.get("language")
        return value if isinstance(value, str) else None

    @property
    def theme(self) -> str | None:
        value = self.data.get("theme")
        return value if isinstance(value, str) else None

    @property
    def cursor_blink(self) -> bool:
        return self.data.get("cursor_blink") is not False

    @property
    def keymap(self) -> dict[str, str]:
        value = self.data.get("keymap") or {}
        return {str(k): str(v) for k, v in value.items()}

    def profile(self, name: str | None = None, environ: dict[str, str] | None = None) -> Profile:
        """The profile to use: `name`, else default_profile, else the only/first one, else one
        made from OPENAI_API_KEY/OPENAI_BASE_URL, else the built-in demo gateway."""
        env = os.environ if environ is None else environ
        if name:
            if name == DEMO and DEMO not in self.profiles:
                return demo_profile()
            if name not in self.profiles:
                known = ", ".join(sorted(self.profiles)) or _("none")
                raise ConfigError(
                    self.path,
                    _("no profile named '{name}' (profiles: {known})").format(
                        name=name, known=known
                    ),
                )
            return self.profiles[name]
        default = self.default_profile
        if default:
            if default not in self.profiles:
                raise ConfigError(
                    self.path,
                    _("default_profile names '{name}', which is not defined").format(name=default),
                    line=_find_line(self.path, None, "default_profile"),
                    key="default_profile",
                )
            return self.profiles[default]
        if self.profiles:
            return next(iter(self.profiles.values()))
        if env.get("OPENAI_API_KEY", "").strip():
            return Profile(
                name="env",
                base_url=env.get("OPENAI_BASE_URL") or DEFAULT_OPENAI_BASE,
                api_key=checked_key(env["OPENAI_API_KEY"], Path("<environment>"), "OPENAI_API_KEY"),
            )
        return demo_profile()

    def set(self, key: str, value: Any) -> None:
        """Set a top-level key here; `save` writes only this change to the file."""
        from .config_write import set_top  # tomlkit: only when a setting is saved

        self.data[key] = value
        self._changes.append(set_top(key, value))

    def put_profile(self, name: str, table: dict[str, Any]) -> None:
        """Add or replace profile `name` here; `save` writes only this change to the file."""
        from .config_write import put_profile  # tomlkit: only when a profile is saved

        profiles = self.data.setdefault("profiles", {})
        profiles[name] = {k: v for k, v in table.items() if v not in (None, "", ())}
        self.profiles[name] = _profile(name, profiles[name], self.path)
        self._changes.append(put_profile(name, profiles[name]))

    def save(self) -> None:
        """Write the changes made since the last save to the file as it is now (another
        tokendeck may have changed it), under a lock, keeping comments; then read it back, so
        this copy also holds what others added."""
        from .config_write import BrokenFile, apply  # tomlkit: saving only

        changes, self._changes = self._changes, []
        try:
            apply(self.path, changes)
        except BrokenFile as exc:
            self._changes = changes + self._changes
            raise ConfigError(
                self.path,
                _("not valid TOML, so it was not changed: {problem}").format(problem=exc.problem),
                line=exc.line,
            ) from None
        self.exists = True
        self.reload()

    def reload(self) -> bool:
        """Read the file again when it changed since it was last read here (another tokendeck
        added a profile …); True when it did. A file that no longer loads is left unread."""
        stamp = file_stamp(self.path)
        if stamp == self.stamp:
            return False
        try:
            fresh = load(self.path)
        except ConfigError:
            return False
        self.data, self.profiles, self.warnings = fresh.data, fresh.profiles, fresh.warnings
        self.exists, self.stamp = fresh.exists, fresh.stamp
        return True


def file_stamp(path: Path) -> tuple[int, int, int, int] | None:
    """What changes when the file (or a symlink's target) is replaced or edited: a cheap stat."""
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_mtime_ns, st.st_size)


def demo_profile() -> Profile:
    return Profile(
        name=DEMO, base_url="", demo=True, default_model="deepseek-chat", low_balance=Decimal(1000)
    )


# A config file is a few KB (10,000 prices are ~0.5 MB); anything past this is not one, and
# parsing it would take minutes and gigabytes.
MAX_CONFIG_BYTES = 8 * 1024 * 1024


def read_config_text(file: Path) -> str | None:
    """The config file's text; None when there is no file. ConfigError when it cannot be read,
    is larger than MAX_CONFIG_BYTES (not read past that) or is not UTF-8."""
    try:
        with file.open("rb") as handle:
            raw = handle.read(MAX_CONFIG_BYTES + 1)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(file, _("cannot be read: {error}").format(error=exc.strerror)) from None
    if len(raw) > MAX_CONFIG_BYTES:
        try:
            size = file.stat().st_size
        except OSError:
            size = len(raw)
        raise ConfigError(
            file,
            _(
                "is {size} MB, larger than a config file can be (at most {limit} MB): "
                "is this the right file?"
            ).format(size=f"{size / 1e6:,.0f}", limit=MAX_CONFIG_BYTES // (1024 * 1024)),
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(file, _("is not UTF-8 text")) from None


def peek_language(path: str | os.PathLike[str] | None = None) -> str | None:
    """The `language` setting alone, read from the top of the file (the keys before its first
    table), for the messages printed before the config is loaded; None when it is not set
    there or the file cannot be read (loading it then says why)."""
    try:
        text = read_config_text(config_path(path))
    except ConfigError:
        return None
    if not text:
        return None
    head = re.split(r"^[ \t]*\[", text, maxsplit=1, flags=re.MULTILINE)[0]
    try:
        value = tomllib.loads(head).get("language")
    except ValueError:  # not TOML (TOMLDecodeError), or a number too long: load says which
        return None
    return value if isinstance(value, str) else None


def load(path: str | os.PathLike[str] | None = None) -> Config:
    """Read and validate the config; a missing file is an empty config, a broken one an error."""
    file = config_path(path)
    config = Config(path=file)
    config.stamp = file_stamp(file)  # before reading: a change after it is seen next time
    text = read_config_text(file)
    if text is None:
        return config
    config.exists = True
    try:
        config.data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = _LINE.search(str(exc))
        problem = re.sub(r"at line \d+,?\s*", "", str(exc)).replace("()", "").strip(" .")
        raise ConfigError(
            file,
            _("not valid TOML: {problem}").format(problem=problem),
            line=int(match.group(1)) if match else None,
        ) from None
    except ValueError:  # an integer longer than Python converts (sys.get_int_max_str_digits)
        limit = sys.get_int_max_str_digits()
        long = re.search(rf"[0-9][0-9_]{{{limit},}}", text)
        raise ConfigError(
            file,
            _("not valid TOML: a number has more than {limit} digits").format(limit=limit),
            line=text.count("\n", 0, long.start()) + 1 if long else None,
        ) from None
    _check_table(config.data, _TOP_KEYS, file, None, text)
    for name, table in (config.data.get("profiles") or {}).items():
        if not isinstance(table, dict):
            raise ConfigError(
                file,
                _("must be a table ([profiles.{name}])").format(name=name),
                line=_find_line(file, "profiles", name, text),
                key=f"profiles.{name}",
            )
        _check_table(table, _PROFILE_KEYS, file, f"profiles.{name}", text)
        config.profiles[name] = _profile(name, table, file, text)

    def fail(section: str, key: str, problem: str) -> ConfigError:
        where = f"{section}.{key}" if section else key
        line = _find_line(file, section or None, key, text)
        return ConfigError(file, problem, line=line, key=where)

    config.aliases = parse_aliases(config.data.get("aliases", {}), fail)
    config.templates = parse_templates(config.data.get("templates", {}), fail)
    keymap = config.keymap
    if keymap:
        from .keymap_ids import unknown_binding_ids  # only for a config that has a [keymap]

        unknown = unknown_binding_ids(list(keymap))
    else:
        unknown = []
    if unknown:
        config.warnings.append(
            _(
                "{path}: [keymap] names binding ids tokendeck does not have, so they change "
                "nothing: {ids} (F1 lists the ids)"
            ).format(path=file, ids=", ".join(unknown))
        )
    if any("api_key" in t or "access_token" in t for t in config.data.get("profiles", {}).values()):
        mode = stat.S_IMODE(file.stat().st_mode)
        if mode & 0o077:
            config.warnings.append(
                _(
                    "{path} holds API keys but is readable by others (mode {mode:o}); "
                    "fix with: chmod 600 {path}"
                ).format(path=file, mode=mode)
            )
    return config


def _check_table(
    table: dict[str, Any],
    spec: dict[str, tuple[tuple[type, ...], str]],
    file: Path,
    section: str | None,
    text: str,
) -> None:
    for key, value in table.items():
        if key not in spec:
            continue  # unknown keys are kept as they are (newer versions may use them)
        types, wanted = spec[key]
        if (isinstance(value, bool) and bool not in types) or not isinstance(value, types):
            raise ConfigError(
                file,
                _("must be {wanted}, not {got}").format(wanted=_(wanted), got=type(value).__name__),
                line=_find_line(file, section, key, text),
                key=f"{section}.{key}" if section else key,
            )


def _profile(name: str, t: dict[str, Any], file: Path, text: str | None = None) -> Profile:
    section = f"profiles.{name}"

    def fail(key: str, problem: str) -> ConfigError:
        return ConfigError(
            file, problem, line=_find_line(file, section, key, text), key=f"{section}.{key}"
        )

    api_key = str(t.get("api_key") or "").strip()
    if api_key and not header_safe(api_key):
        raise fail("api_key", _(BAD_KEY))
    base = t.get("base_url")
    if not base:
        raise fail("base_url", _("is missing: every profile needs the gateway's base URL"))
    if not str(base).startswith(("http://", "https://")):
        raise fail("base_url", _("must start with http:// or https://"))
    temperature, top_p = t.get("temperature"), t.get("top_p")
    if temperature is not None and not 0 <= temperature <= 2:
        raise fail("temperature", _("must be from 0 to 2"))
    if top_p is not None and not 0 <= top_p <= 1:
        raise fail("top_p", _("must be from 0 to 1"))
    if t.get("api_key_cmd_timeout") is not None and t["api_key_cmd_timeout"] <= 0:
        raise fail("api_key_cmd_timeout", _("must be a number above 0"))
    max_tokens = t.get("max_tokens")
    for key in ("max_tokens", "context_tokens", "context_messages"):
        if t.get(key) is not None and t[key] <= 0:
            raise fail(key, _("must be a positive whole number"))
    stall = t.get("stall_timeout")
    if stall is not None and not 0 < stall < 86_400:
        raise fail("stall_timeout", _("must be a number of seconds above 0"))
    stop = t.get("stop", ())
    stop = (stop,) if isinstance(stop, str) else tuple(str(s) for s in stop)
    low = t.get("low_balance")
    try:
        low_balance = Decimal(str(low)) if low is not None else None
    except ArithmeticError:
        raise fail("low_balance", _("must be a number")) from None

    def amount(key: str, *, positive: bool = False) -> Decimal | None:
        value = t.get(key)
        if value is None:
            return None
        number = _decimal(value)
        if number is None:
            raise fail(key, _("must be a number"))
        if number < 0 or (positive and number == 0):
            raise fail(key, _("must be a number above 0") if positive else _("must be 0 or more"))
        return number

    daily, monthly = amount("daily_budget"), amount("monthly_budget")
    per_unit, currency = amount("credits_per_unit", positive=True), t.get("currency")
    if per_unit is not None and not currency:
        raise fail(
            "credits_per_unit",
            _("needs `currency` too: the money that {credits} credits buy").format(
                credits=per_unit
            ),
        )
    if currency and per_unit is None:
        problem = _("needs `credits_per_unit` too: how many credits make 1 {unit}")
        raise fail("currency", problem.format(unit=currency))
    adapter = t.get("adapter")
    if adapter is not None:
        from ..gateway.adapters import AdapterSpecError, parse_custom  # [adapter] tables only

        try:
            parse_custom(adapter, f"{section}.adapter")
        except AdapterSpecError as exc:
            head, _dot, last = f"adapter.{exc.key}".rpartition(".")
            raise ConfigError(
                file,
                exc.problem,
                line=_find_line(file, f"{section}.{head}", last, text),
                key=f"{section}.adapter.{exc.key}",
            ) from None
    dialect = t.get("balance", "auto")
    if dialect == CUSTOM and adapter is None:
        raise fail("balance", _("'custom' needs an [{section}.adapter] table").format(
            section=section))  # fmt: skip
    if dialect not in ("auto", CUSTOM, NONE) and dialect not in KNOWN:
        raise fail(
            "balance",
            _("unknown balance dialect '{name}' (known: auto, none, custom, {known})").format(
                name=dialect, known=", ".join(KNOWN)
            ),
        )
    logs = t.get("logs")
    if logs is not None and logs not in (*LOG_FAMILIES, NONE):
        raise fail(
            "logs",
            _("unknown usage-log family '{name}' (known: none, {known})").format(
                name=logs, known=", ".join(LOG_FAMILIES)
            ),
        )
    software = t.get("software")
    if software is not None and software not in SOFTWARE:
        raise fail("software", _("unknown gateway software '{name}' (known: {known})").format(
            name=software, known=", ".join(SOFTWARE)))  # fmt: skip
    if logs in USER_LOGS and not t.get("access_token"):
        raise fail("logs", _("'{name}' reads your account's log: it needs access_token too")
                   .format(name=logs))  # fmt: skip
    return Profile(
        name=name,
        base_url=str(base).rstrip("/"),
        api_key=checked_key(api_key, file, f"{section}.api_key") if api_key else None,
        api_key_env=str(t.get("api_key_env") or "").strip() or None,
        api_key_cmd=str(t.get("api_key_cmd") or "").strip() or None,
        api_key_cmd_timeout=float(t.get("api_key_cmd_timeout", KEY_COMMAND_TIMEOUT)),
        logs_url=t.get("logs_url"),
        create_url=t.get("create_url"),
        logs=logs,
        access_token=Secret(t["access_token"]) if t.get("access_token") else None,
        user_id=str(t["user_id"]) if t.get("user_id") is not None else None,
        software=software,
        balance=dialect,
        default_model=t.get("default_model"),
        system_prompt=t.get("system_prompt"),
        temperature=float(temperature) if temperature is not None else None,
        top_p=float(top_p) if top_p is not None else None,
        max_tokens=max_tokens,
        stop=stop,
        context_tokens=t.get("context_tokens"),
        context_messages=t.get("context_messages"),
        stall_timeout=float(stall) if stall is not None else None,
        low_balance=low_balance,
        unit=t.get("unit"),
        daily_budget=daily,
        monthly_budget=monthly,
        credits_per_unit=per_unit,
        currency=currency or None,
        prices=_prices(t.get("prices") or {}, file, section, text),
        adapter=dict(adapter) if adapter is not None else None,
        source=file,
    )


_NUMERIC = (int, float, str)
_PRICE_PARTS = frozenset({"prompt", "completion"})
_INFINITY = float("inf")


def _decimal(value: Any) -> Decimal | None:
    """A finite Decimal from a TOML number or numeric string; None for anything else."""
    if isinstance(value, bool) or not isinstance(value, _NUMERIC):
        return None
    try:
        number = Decimal(value.strip() if isinstance(value, str) else str(value))
    except ArithmeticError:
        return None
    return number if number.is_finite() else None


def _rate(value: Any) -> Decimal | None:
    """Credits per 1K tokens: a finite Decimal of 0 or more; None for anything else."""
    kind = type(value)
    if kind is float:
        return Decimal(repr(value)) if 0 <= value < _INFINITY else None  # NaN fails both
    if kind is int:
        return Decimal(value) if value >= 0 else None
    number = _decimal(value)  # a numeric string ("1.5"); a bool or anything else is None
    return number if number is not None and number >= 0 else None


def _is_rate(value: Any) -> bool:
    """Whether `value` is credits per 1K tokens (`_rate` is not None), without a Decimal for a
    float or an integer."""
    kind = type(value)
    if kind is float:
        return 0 <= value < _INFINITY
    if kind is int:
        return value >= 0
    return _rate(value) is not None


def _prices(
    table: dict[str, Any], file: Path, section: str, text: str | None
) -> ConfigPrices:
    """`[profiles.X.prices]`: model = credits per 1K tokens, one number or {prompt, completion},
    each checked here (a wrong one is a ConfigError naming it) and made a ModelPrice when read.
    A float or an integer, the common entry, costs a type and a range check: 10,000 prices are
    checked in ~2 ms (making each a ModelPrice here took ~20 ms)."""
    for model, value in table.items():
        kind = type(value)
        if (kind is float and 0 <= value < _INFINITY) or (kind is int and value >= 0):
            continue  # the float test fails NaN and the infinities
        if isinstance(value, dict):
            if not value.keys() <= _PRICE_PARTS:
                unknown = sorted(value.keys() - _PRICE_PARTS)[0]
                problem = _("unknown key '{name}' (use prompt and completion)")
                raise _price_error(file, section, model, text, problem.format(name=unknown))
            if _is_rate(value.get("prompt")) and _is_rate(value.get("completion")):
                continue
        elif _is_rate(value):
            continue
        problem = _("must be credits per 1K tokens: a number, or {example}")
        raise _price_error(
            file, section, model, text, problem.format(example="{prompt = 1.5, completion = 2}")
        )
    return ConfigPrices(table)


class ConfigPrices(Mapping[str, ModelPrice]):
    """A profile's [prices] as the config states them, all checked by `_prices`; an entry is
    made a ModelPrice (its Decimals) when it is first read, so a command that reads no price
    (`config profiles`, `balance`) makes none of 10,000."""

    __slots__ = ("_made", "_table")

    def __init__(self, table: Mapping[str, Any]) -> None:
        self._table = dict(table)  # a copy: the config's data may change after loading
        self._made: dict[str, ModelPrice] = {}

    def __getitem__(self, model: str) -> ModelPrice:
        price = self._made.get(model)
        if price is None:
            value = self._table[model]
            if isinstance(value, dict):
                price = ModelPrice(_checked(value.get("prompt")), _checked(value.get("completion")))
            else:
                price = ModelPrice(_checked(value), _checked(value))
            self._made[model] = price
        return price

    def __iter__(self) -> Iterator[str]:
        return iter(self._table)

    def __len__(self) -> int:
        return len(self._table)

    def __repr__(self) -> str:
        return f"ConfigPrices({dict(self)!r})"


def _checked(value: Any) -> Decimal:
    """The Decimal of a price `_prices` has checked."""
    number = _rate(value)
    assert number is not None, "checked when the config was loaded"
    return number


def _price_error(
    file: Path, section: str, model: str, text: str | None, problem: str
) -> ConfigError:
    """The error for price `model`, at its line: looked for only for the entry that is wrong
    (a lookup per entry made 10,000 prices take a minute)."""
    line = (
        _find_line(file, f"{section}.prices", model, text)
        or _find_line(file, f"{section}.prices.{model}", "prompt", text)
        or _find_line(file, section, "prices", text)
    )
    return ConfigError(file, problem, line=line, key=f"{section}.prices.{model}")


def _find_line(file: Path, section: str | None, key: str, text: str | None = None) -> int | None:
    """The line where `key` is set inside `[section]` (top level when None), best effort."""
    if text is None:
        try:
            text = file.read_text("utf-8")
        except (OSError, UnicodeDecodeError):
            return None
    current: str | None = None
    key_re = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
    for number, line in enumerate(text.splitlines(), 1):
        header = re.match(r"^\s*\[+\s*([^\]]+?)\s*\]+", line)
        if header:
            current = header.group(1).replace('"', "").replace("'", "")
            if section and f"{section}.{key}" == current:
                return number
            continue
        if current == section and key_re.match(line):
            return number
    return None
