"""Config: round trip, 0600 atomic writes, profile resolution, and errors naming file/line/key."""

from __future__ import annotations

import os
import stat
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tui.base.paths import config_path
from tui.profiles.config import ConfigError, load

KEY = "sk-live-0123456789abcdefghijklmnopqrstuv"


def write(path: Path, text: str, mode: int = 0o600) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    path.chmod(mode)
    return path


def test_missing_file_means_demo(tmp_path: Path) -> None:
    config = load(tmp_path / "nope.toml")
    assert not config.exists
    profile = config.profile()
    assert profile.demo and profile.name == "demo"


def test_openai_env_makes_an_implicit_profile(tmp_path: Path) -> None:
    config = load(tmp_path / "nope.toml")
    env = {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": "https://gw.example/v1"}
    profile = config.profile(environ=env)
    assert profile.name == "env"
    assert profile.base_url == "https://gw.example/v1"
    assert profile.key() is not None and profile.key().reveal() == KEY  # type: ignore[union-attr]


def test_default_path_follows_xdg_and_overrides(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert config_path() == tmp_path / "xdg" / "tokendeck" / "config.toml"
    monkeypatch.setenv("TOKENDECK_CONFIG", str(tmp_path / "env.toml"))
    assert config_path() == tmp_path / "env.toml"
    assert config_path(tmp_path / "flag.toml") == tmp_path / "flag.toml"


def test_round_trip_keeps_unknown_keys_and_writes_0600(tmp_path: Path) -> None:
    path = write(
        tmp_path / "c.toml",
        f"""
default_profile = "oc"
future_setting = 3

[profiles.oc]
base_url = "https://opencodex.hk/api/v1/"
api_key = "{KEY}"
default_model = "deepseek-chat"
temperature = 0.7
stop = "END"
low_balance = 500
something_new = "kept"
""",
    )
    config = load(path)
    profile = config.profile()
    assert profile.name == "oc"
    assert profile.base_url == "https://opencodex.hk/api/v1"
    assert profile.stop == ("END",)
    assert profile.low_balance == Decimal(500)
    assert KEY not in repr(profile)
    config.put_profile("hk", {"base_url": "https://www.openai-hk.com/v1", "api_key_env": "HK"})
    config.set("theme", "tokendeck-dark")
    config.save()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = load(path)
    assert again.data["future_setting"] == 3
    assert again.data["profiles"]["oc"]["something_new"] == "kept"
    assert again.theme == "tokendeck-dark"
    assert set(again.profiles) == {"oc", "hk"}
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".config-")]


def test_new_file_and_directory_are_private(tmp_path: Path) -> None:
    config = load(tmp_path / "new" / "dir" / "config.toml")
    config.put_profile("x", {"base_url": "https://gw.example/v1", "api_key": KEY})
    config.save()
    assert stat.S_IMODE(config.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(config.path.parent.stat().st_mode) == 0o700


def test_broken_toml_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path / "c.toml", 'default_profile = "a"\n[profiles.a]\nbase_url = \n')
    with pytest.raises(ConfigError) as caught:
        load(path)
    assert caught.value.line == 3
    assert str(path) in str(caught.value)
    assert "line" not in caught.value.problem


@pytest.mark.parametrize(
    ("body", "key", "line"),
    [
        (
            '[profiles.a]\nbase_url = "https://x/v1"\ntemperature = "hot"\n',
            "profiles.a.temperature",
            3,
        ),
        ('[profiles.a]\nbase_url = "https://x/v1"\ntemperature = 7\n', "profiles.a.temperature", 3),
        ('[profiles.a]\napi_key = "k"\n', "profiles.a.base_url", None),
        ('[profiles.a]\nbase_url = "ftp://x"\n', "profiles.a.base_url", 2),
        ('[profiles.a]\nbase_url = "https://x/v1"\nbalance = "martian"\n', "profiles.a.balance", 3),
        ("language = 5\n", "language", 1),
        ('profiles = "no"\n', "profiles", 1),
        ("[profiles]\na = 3\n", "profiles.a", 2),
    ],
)
def test_wrong_values_name_the_key(tmp_path: Path, body: str, key: str, line: int | None) -> None:
    path = write(tmp_path / "c.toml", body)
    with pytest.raises(ConfigError) as caught:
        load(path)
    assert caught.value.key == key
    assert caught.value.line == line
    assert str(path) in str(caught.value)


def test_undefined_default_profile_is_an_error(tmp_path: Path) -> None:
    path = write(
        tmp_path / "c.toml", 'default_profile = "ghost"\n[profiles.a]\nbase_url = "https://x/v1"\n'
    )
    with pytest.raises(ConfigError, match="ghost"):
        load(path).profile()


def test_unknown_profile_lists_known_ones(tmp_path: Path) -> None:
    path = write(tmp_path / "c.toml", '[profiles.a]\nbase_url = "https://x/v1"\n')
    with pytest.raises(ConfigError, match="profiles: a"):
        load(path).profile("b")


def test_world_readable_file_with_key_warns(tmp_path: Path) -> None:
    path = write(
        tmp_path / "c.toml", f'[profiles.a]\nbase_url = "https://x/v1"\napi_key = "{KEY}"\n', 0o644
    )
    warnings = load(path).warnings
    assert warnings and "chmod 600" in warnings[0]
    assert KEY not in warnings[0]


def test_api_key_env_and_cmd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(
        tmp_path / "c.toml",
        '[profiles.e]\nbase_url = "https://x/v1"\napi_key_env = "MY_KEY"\n'
        '[profiles.c]\nbase_url = "https://x/v1"\napi_key_cmd = "echo hk-fromcommand"\n'
        '[profiles.f]\nbase_url = "https://x/v1"\napi_key_cmd = "false"\n',
    )
    config = load(path)
    with pytest.raises(ConfigError, match="MY_KEY"):
        config.profile("e").key()
    monkeypatch.setenv("MY_KEY", "hk-fromenv")
    assert config.profile("e").key().reveal() == "hk-fromenv"  # type: ignore[union-attr]
    assert config.profile("c").key().reveal() == "hk-fromcommand"  # type: ignore[union-attr]
    with pytest.raises(ConfigError, match="key command failed"):
        config.profile("f").key()


def test_unreadable_or_non_utf8_file(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_bytes(b"\xff\xfe bad")
    with pytest.raises(ConfigError, match="UTF-8"):
        load(path)
    if os.geteuid() != 0:  # root reads everything
        path.write_text("x = 1")
        path.chmod(0)
        with pytest.raises(ConfigError, match="cannot be read"):
            load(path)


def test_many_prices_load_without_a_line_lookup_each(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a lookup per entry (a pass over the file each) made 10,000 prices take a minute
    import tui.profiles.config as config_module

    lines = "".join(
        f'"m{i}" = {{prompt = {i % 7}, completion = 2}}\n' if i % 2 else f'"m{i}" = 1.5\n'
        for i in range(2000)
    )
    path = write(
        tmp_path / "c.toml",
        f'[profiles.a]\nbase_url = "https://x/v1"\n[profiles.a.prices]\n{lines}',
    )
    lookups: list[str] = []
    real = config_module._find_line
    monkeypatch.setattr(
        config_module, "_find_line", lambda *a, **k: lookups.append(a[2]) or real(*a, **k)
    )
    prices = load(path).profile("a").prices
    assert len(prices) == 2000 and lookups == []
    assert prices["m1"].prompt == 1 and prices["m2"].completion == Decimal("1.5")
    # a wrong entry is still named with its line
    path.write_text(path.read_text() + '"bad" = "x"\n')
    with pytest.raises(ConfigError) as caught:
        load(path)
    assert caught.value.key == "profiles.a.prices.bad" and caught.value.line == 2004


def test_prices_are_checked_at_load_and_made_when_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tui.profiles.config as config_module

    lines = "".join(
        f'"m{i}" = {{prompt = {i}, completion = 2.5}}\n"n{i}" = {i}.5\n' for i in range(500)
    )
    path = write(
        tmp_path / "c.toml",
        f'[profiles.a]\nbase_url = "https://x/v1"\n[profiles.a.prices]\n{lines}',
    )
    made: list[tuple[object, object]] = []
    real = config_module.ModelPrice
    monkeypatch.setattr(
        config_module, "ModelPrice", lambda p, c: made.append((p, c)) or real(p, c)
    )
    prices = load(path).profile("a").prices
    assert made == []  # `config profiles`, `balance`: no Decimal for 1,000 prices
    assert len(prices) == 1000 and list(prices)[:3] == ["m0", "n0", "m1"]  # the file's order
    assert prices["m7"] == real(Decimal(7), Decimal("2.5"))
    assert prices["n3"].prompt == Decimal("3.5")
    assert prices["m7"] is prices["m7"] and len(made) == 2  # made once, when first read
    assert "zz" not in prices and prices.get("zz") is None
    expected = {f"m{i}": real(Decimal(i), Decimal("2.5")) for i in range(500)}
    expected |= {f"n{i}": real(Decimal(f"{i}.5"), Decimal(f"{i}.5")) for i in range(500)}
    assert dict(prices) == expected and prices == expected


def _price_as_before(value: object) -> Decimal | None:
    """A price's rule before the fast path: Decimal(str(value)) for a number or a numeric
    string (stripped), finite and 0 or more; anything else is no price."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        number = Decimal(value.strip() if isinstance(value, str) else str(value))
    except ArithmeticError:
        return None
    return number if number.is_finite() and number >= 0 else None


PRICE_VALUES = st.one_of(
    st.floats(),  # NaN, infinities, -0.0, subnormals, 1e300
    st.integers(min_value=-(2**70), max_value=2**70),
    st.booleans(),
    st.from_regex(r"\A\s?[-+]?\d{0,4}(\.\d{0,3})?([eE][-+]?\d{1,2})?\s?\Z"),
    st.sampled_from(["NaN", "inf", "-Infinity", "", "1,5", "x"]),
    st.none(),
    st.lists(st.integers(), max_size=2),
)


@given(value=PRICE_VALUES, other=PRICE_VALUES, table=st.booleans())
@example(value=float("inf"), other=1, table=False)
@example(value=float("nan"), other=1, table=False)
@example(value=-0.0, other=1.5, table=False)
@example(value=1.5, other=float("-inf"), table=True)
@example(value=True, other=1, table=False)
@example(value=2**70, other=" 1.50 ", table=True)
def test_each_price_is_checked_and_made_as_before_the_fast_path(
    value: object, other: object, table: bool
) -> None:
    import tui.profiles.config as config_module

    entry = {"prompt": value, "completion": other} if table else value
    expected = [_price_as_before(value), _price_as_before(other if table else value)]
    try:
        made = config_module._prices({"m": entry}, Path("c.toml"), "profiles.a", "")
    except ConfigError as exc:
        assert None in expected and exc.key == "profiles.a.prices.m" and "per 1K" in exc.problem
    else:
        assert None not in expected
        price = made["m"]
        # the same Decimal, written the same way (1.50 stays 1.50, -0.0 stays -0.0)
        assert [str(price.prompt), str(price.completion)] == [str(d) for d in expected]


def test_a_huge_file_is_refused_unread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tui.profiles.config as config_module

    monkeypatch.setattr(config_module, "MAX_CONFIG_BYTES", 1000)
    path = write(tmp_path / "c.toml", '[profiles.a]\nbase_url = "https://x/v1"\n' + "#" * 2000)
    with pytest.raises(ConfigError, match="larger than a config file can be") as caught:
        load(path)
    assert str(path) in str(caught.value)
    path.write_text('[profiles.a]\nbase_url = "https://x/v1"\n')
    assert "a" in load(path).profiles


def test_the_cli_loads_the_config_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tui.profiles.config as config_module
    from tui.cli import main

    path = write(
        tmp_path / "c.toml", 'language = "zh_CN"\n[profiles.a]\nbase_url = "https://x/v1"\n'
    )
    loads: list[object] = []
    real = config_module.load
    monkeypatch.setattr(config_module, "load", lambda p=None: loads.append(p) or real(p))
    import tui.cli.config_cmds as config_cmds

    monkeypatch.setattr(config_cmds, "load", config_module.load)
    assert main(["--config", str(path), "config", "profiles"]) == 0
    assert len(loads) == 1
    assert config_module.peek_language(path) == "zh_CN"
    # the language is read from the keys before the first table only
    path.write_text('[profiles.a]\nbase_url = "https://x/v1"\nlanguage = "zh_CN"\n')
    assert config_module.peek_language(path) is None


def test_huge_config_is_a_config_error_in_the_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import tui.profiles.config as config_module
    from tui.cli import main

    monkeypatch.setattr(config_module, "MAX_CONFIG_BYTES", 100)
    path = write(tmp_path / "c.toml", "#" * 500)
    assert main(["--config", str(path), "config", "profiles"]) == 3
    assert "larger than a config file can be" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ('[profiles.a]\nbase_url = "https://x/v1"\nmax_tokens = ' + "9" * 5000 + "\n", 3),
        ('language = "en"\nx = ' + "1_" * 4400 + "1\n[profiles.a]\nbase_url = 'https://x/v1'\n", 2),
    ],
    ids=["in a table", "before the first table"],
)
def test_a_number_too_long_to_read_is_a_config_error_with_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, line: int
) -> None:
    # tomllib lets Python's int() refuse it (a ValueError, not a TOMLDecodeError): a traceback
    from tui.cli import main

    path = write(tmp_path / "c.toml", text)
    with pytest.raises(ConfigError) as caught:
        load(path)
    assert caught.value.line == line and "more than 4300 digits" in caught.value.problem
    assert main(["--config", str(path), "config", "profiles"]) == 3
    assert f"{path}:{line}: not valid TOML: a number has more than 4300 digits" in (
        capsys.readouterr().err
    )
