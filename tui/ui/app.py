"""The Textual app: wiring only — config, gateway, themes, keymap, shared state, the main screen."""

from __future__ import annotations

import asyncio
import signal
import sys
from contextlib import suppress
from pathlib import Path, PurePath
from typing import TYPE_CHECKING

from textual import events
from textual.app import SystemCommand
from textual.binding import Binding
from textual.driver import Driver
from textual.screen import Screen
from textual.widgets import Input, TextArea

from ..base.clock import Clock
from ..base.i18n import N_, _, set_language
from ..gateway import GatewaySpec
from ..profiles.config import DEMO, Config, ConfigError, Profile, demo_profile, load
from ..profiles.runtime import demo_for, spec_for
from .commands import system_commands
from .deck import Deck
from .gcfreeze import resume_after_start
from .langswitch import localize_commands
from .patches import cjk_wrap
from .patches.detachable_driver import detach_app, detachable
from .patches.theme_start import start_theme
from .screens.main import MainScreen
from .themes import VARIABLE_DEFAULTS, load_themes
from .widgets.chat import ChatPanel

if TYPE_CHECKING:  # loaded on first use, after the first frame (HTTP client, SQLite store)
    from ..gateway import Gateway
    from ..profiles.runtime import DemoHandle

DEFAULT_THEME = "tokendeck-dark"
CONFIG_CHECK_EVERY = 2.0  # seconds between stats of config.toml (profiles added elsewhere)
KEY_WAIT_NOTICE = 1.0  # seconds a profile switch waits for its key before saying so
_HERE = Path(__file__).parent
# Each screen's and widget's .tcss sits beside its module. The first frame's are parsed at start;
# the others (panels not shown yet, dialogs: rules shared across their files) in one go once the
# first frame is out, or before, when a screen or a panel is shown sooner (`load_styles`).
_FIRST_STYLES: list[str | PurePath] = [
    "app.tcss",
    "screens/main.tcss",
    "widgets/status.tcss",
    "widgets/chat/chat.tcss",
    "widgets/chat/preview.tcss",
]


def later_styles() -> list[Path]:
    """The style sheets the first frame does not need, in name order."""
    first = {_HERE / name for name in _FIRST_STYLES}
    return [p for p in sorted(_HERE.glob("*/**/*.tcss")) if p not in first]


class TokenDeck(Deck):
    """tokendeck: chat, models, usage and balance for one gateway profile."""

    CSS_PATH = _FIRST_STYLES
    TITLE = "tokendeck"
    ENABLE_COMMAND_PALETTE = True
    BINDINGS = [
        Binding("f2", "panel('chat')", N_("Chat"), id="panel.chat", show=False, priority=True),
        Binding(
            "f3", "panel('models')", N_("Models"), id="panel.models", show=False, priority=True
        ),
        Binding("f4", "panel('usage')", N_("Usage"), id="panel.usage", show=False, priority=True),
        Binding(
            "f5", "panel('balance')", N_("Balance"), id="panel.balance", show=False, priority=True
        ),
        Binding("f6", "profiles", N_("Profiles"), id="app.profiles", show=False, priority=True),
        Binding("f1", "help", N_("Help"), id="app.help", priority=True),
        Binding("question_mark", "help", N_("Help"), id="app.help_question", show=False),
        Binding("ctrl+q", "quit", N_("Quit"), id="app.quit", priority=True),
    ]

    def __init__(
        self,
        *,
        config: Config,
        profile: Profile,
        spec: GatewaySpec | None,
        demo: bool = False,
        clock: Clock | None = None,
        gateway: Gateway | None = None,
        welcome: bool = False,
        demo_url: str | None = None,
        demo_handle: DemoHandle | None = None,
    ) -> None:
        self.welcome = welcome  # first start: offer the demo, a key, or the env key
        # keys the terminal delivered before anything had the focus (None once handled)
        self._early_keys: list[events.Key] | None = []
        self._styles_loaded = False
        self.hung_up = False  # the terminal went away (SIGHUP): nothing is drawn any more
        super().__init__(
            config=config, profile=profile, spec=spec, demo=demo, clock=clock, gateway=gateway,
            demo_url=demo_url, demo_handle=demo_handle,
        )  # fmt: skip
        cjk_wrap.install()  # line breaks between Chinese characters
        self.model = profile.default_model or ""
        themes, self._theme_problems = load_themes()
        for theme in themes:
            self.register_theme(theme)
        wanted = config.theme or DEFAULT_THEME
        # chosen before anything is parsed, without Textual's theme watcher (its refresh would
        # parse every style sheet once more just before the first frame)
        start_theme(self, wanted if wanted in self.available_themes else DEFAULT_THEME)

    # ---- lifecycle -------------------------------------------------------------------

    def get_driver_class(self) -> type[Driver]:
        return detachable(super().get_driver_class())

    def _catch_signals(self) -> None:
        """SIGTERM quits as Ctrl+Q does (the terminal restored); SIGHUP lets an answer being
        received finish without the terminal, then quits. Not in tests' headless apps."""
        if self.is_headless:
            return
        loop = asyncio.get_running_loop()
        with suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signal.SIGTERM, self.exit)
            loop.add_signal_handler(signal.SIGHUP, self._hang_up)

    def _hang_up(self) -> None:
        if self.hung_up:  # a second one: quit now (the partial answer is kept)
            self.exit()
            return
        self.hung_up = True
        detach_app(self)
        panels = [panel for screen in self.screen_stack for panel in screen.query(ChatPanel)]
        if not any(panel.finish_in_background() for panel in panels):
            self.exit()

    def get_default_screen(self) -> Screen[None]:
        return MainScreen(self)

    def load_styles(self) -> None:
        """Add the style sheets not loaded at start (user CSS, as CSS_PATH's); once. Parsed
        when a widget is next styled; the rules are for widgets not shown yet, so nothing
        on screen needs restyling."""
        if self._styles_loaded:
            return
        self._styles_loaded = True
        for path in later_styles():
            css = path.read_text("utf-8")
            self.stylesheet.add_source(css, read_from=(str(path), ""), is_default_css=False)

    async def on_ready(self) -> None:
        """The first frame is out."""
        resume_after_start()
        await self._early_keys_now()

    async def on_event(self, event: events.Event) -> None:
        """A key typed while the app starts (a fast typist, a paste, tmux send-keys) can come
        before the chat's input has the focus: Textual would give it to the screen, which
        drops it. Such keys are held, then handled in order once something has the focus."""
        early = self._early_keys
        if early is not None and isinstance(event, events.Key) and not event.is_forwarded:
            if self.focused is None:
                early.append(event)
                return
            await self._early_keys_now()
        await super().on_event(event)

    async def _early_keys_now(self) -> None:
        held, self._early_keys = self._early_keys or [], None
        for key in held:
            await super().on_event(key)

    def on_mount(self) -> None:
        self._catch_signals()
        self.call_after_refresh(self.load_styles)  # after the first frame
        if self._theme_problems:
            self.notify(
                "\n".join(str(p) for p in self._theme_problems),
                title=_("Theme files skipped"),
                severity="warning",
            )
        self.theme_changed_signal.subscribe(self, self._save_theme)
        if self.config.keymap:
            self.set_keymap(self.config.keymap)
        for warning in self.config.warnings:
            self.notify(warning, title=_("Config"), severity="warning", timeout=10)
        self.call_after_refresh(self.refresh_balance)  # not before the first frame
        self.set_interval(60, self.refresh_balance)
        self.set_interval(CONFIG_CHECK_EVERY, self.check_config)
        if self.welcome:
            self.call_after_refresh(self._welcome)

    def _welcome(self) -> None:
        from .screens.welcome import WelcomeScreen  # first start only: not in the first frame

        async def chosen(name: str | None) -> None:
            if name:
                await self.switch_profile(name)
                return
            # "Explore the demo": remembered (the welcome is for the first start only); no
            # profile is written, so OPENAI_API_KEY still makes the implicit profile
            self.save_setting("welcomed", True, _("Could not remember the welcome choice: {error}"))
            if not self.profile.demo:  # chosen from a profile of the environment
                await self.switch_profile(DEMO)

        self.push_screen(WelcomeScreen(self.config), chosen)

    async def switch_profile(self, name: str) -> None:
        """Talk to another profile's gateway from now on; the panels start afresh. Its key is
        read in a thread (an api_key_cmd may take seconds: the app is not frozen meanwhile);
        a key that cannot be read is said, and the current profile stays."""
        profile = self.config.profile(name)
        demo_url = self.demo_url if profile.demo else None
        said = _("Waiting for the key command of profile “{name}” (api_key_cmd)…")
        waiting = self.set_timer(
            KEY_WAIT_NOTICE, lambda: self.notify(said.format(name=name), timeout=30)
        )
        try:
            spec = await asyncio.to_thread(spec_for, profile, demo_url)
        except ConfigError as exc:
            self.notify(str(exc), title=_("Profile"), severity="error", timeout=15)
            return
        finally:
            waiting.stop()
        if self._gateway is not None:
            await self._gateway.aclose()
            self._gateway = None
        self.profile, self.spec, self.demo = profile, spec, profile.demo
        self.history.profile = profile.name
        self.balance, self.balance_error, self.balance_missing = None, None, None
        self.model = profile.default_model or self.model
        await self.screen.recompose()
        self.refresh_balance()

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """`cursor_blink = false` in the config steadies the cursor of every input and text area
        (less redraw traffic over SSH, and stable screenshots)."""
        widget = event.widget
        if not self.config.cursor_blink and isinstance(widget, Input | TextArea):
            widget.cursor_blink = False

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return {**super().get_theme_variable_defaults(), **VARIABLE_DEFAULTS}

    def _save_theme(self, theme: object) -> None:
        name = getattr(theme, "name", None)
        if not name or name == (self.config.theme or DEFAULT_THEME):
            return  # the start-up theme, or no change: nothing to save
        self.save_setting("theme", name, _("Could not save the theme choice: {error}"))

    # ---- actions ---------------------------------------------------------------------

    def action_panel(self, name: str) -> None:
        screen = self.screen
        if isinstance(screen, MainScreen):
            screen.show_panel(name)

    def action_profiles(self) -> None:
        """The profiles dashboard; choosing a profile there switches to it."""
        from .screens.profiles import ProfilesScreen  # F6: not in the first frame

        if isinstance(self.screen, ProfilesScreen):
            return

        async def chosen(name: str | None) -> None:
            if name:
                await self.switch_profile(name)

        self.push_screen(ProfilesScreen(self), chosen)

    def action_help(self) -> None:
        from .screens.help import HelpScreen, binding_rows  # F1: not in the first frame

        screen = self.screen
        if isinstance(screen, HelpScreen):
            return
        panel = screen.current_panel_title() if isinstance(screen, MainScreen) else ""
        self.push_screen(HelpScreen(binding_rows(screen), panel))

    def action_show_help_panel(self) -> None:
        """The palette's "Keys": our help screen, whose descriptions are in the user's language
        (Textual's key panel would show the msgids)."""
        self.action_help()

    def get_system_commands(self, screen: Screen[object]) -> list[SystemCommand]:
        return [*localize_commands(super().get_system_commands(screen)), *system_commands(self)]

    def action_command_palette(self) -> None:
        from .patches.palette import Palette  # the palette's module: opened on demand

        if self.use_command_palette and not Palette.is_open(self):  # type: ignore[arg-type]
            placeholder = _("Search for commands…")
            self.push_screen(Palette(placeholder=placeholder, id="--command-palette"))


def run(config_path: str | None = None, profile: str | None = None) -> int:
    """Open the app for `profile` (the demo gateway when nothing is configured)."""
    set_language(None)
    try:
        config = load(config_path)
        set_language(config.language)
        chosen = config.profile(profile)
        # the welcome screen (no config yet) offers the demo, whichever profile the
        # environment gives (OPENAI_API_KEY): its gateway is there if it is chosen
        with demo_for(chosen if config.exists else demo_profile()) as demo:
            app = TokenDeck(
                config=config,
                profile=chosen,
                spec=None if chosen.demo else spec_for(chosen),
                demo=chosen.demo,
                welcome=not config.exists,
                demo_handle=demo,
            )
            result = app.run()
            if app.unsaved_at_exit:
                said = _("tokendeck: {count} messages of this session could not be saved in "
                         "the history database (see the message shown in the app).")
                sys.stderr.write(said.format(count=app.unsaved_at_exit) + "\n")
            if app.return_code:  # a crash is never a success
                return app.return_code
            return result or 0
    except ConfigError as exc:
        sys.stderr.write(_("tokendeck: config error: {problem}").format(problem=exc) + "\n")
        return 3
