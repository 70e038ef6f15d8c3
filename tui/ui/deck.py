"""The app's shared state and services, apart from its wiring (tui.ui.app): the config and the
current profile, the clock, the gateway, the history and usage service (each made on first use),
and the reactives widgets watch (model, balance). Screens and widgets are handed the Deck in
their constructors and type against this class, never against the app module: no import cycle."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING

from textual import work
from textual.filter import LineFilter
from textual.notifications import SeverityLevel
from textual.reactive import var

from ..base.clock import Clock
from ..base.i18n import _
from ..base.safe import terminal_safe
from ..gateway import Balance, GatewayError, GatewaySpec, RateLimited
from ..gateway.errors import NoBalanceEndpoint
from ..profiles.config import Config, ConfigError, Profile
from ..profiles.runtime import spec_for
from .inert import DropControls
from .patches.screen_css import LaterStylesFirst

if TYPE_CHECKING:  # loaded on first use, after the first frame (HTTP client, SQLite store)
    from ..chat.history import History
    from ..gateway import Gateway
    from ..profiles.runtime import DemoHandle
    from ..spend.service import UsageService
    from ..store import StoreError


class Deck(LaterStylesFirst):
    """What every screen and widget may use of the app: state, services, shared reactives."""

    balance: var[Balance | None] = var(None)
    balance_error: var[str | None] = var(None)
    # the gateway offers no balance endpoint (said once; refreshes then ask nothing for a day)
    balance_missing: var[str | None] = var(None)
    balance_loading: var[bool] = var(False)
    model: var[str] = var("")

    def __init__(
        self,
        *,
        config: Config,
        profile: Profile,
        spec: GatewaySpec | None,
        demo: bool = False,
        clock: Clock | None = None,
        gateway: Gateway | None = None,
        demo_url: str | None = None,
        demo_handle: DemoHandle | None = None,
    ) -> None:
        self.config = config
        self.profile = profile
        self._spec = spec
        self.demo = demo
        self._demo_url = demo_url
        self._demo_handle = demo_handle  # its URL (and so `spec`) is read on first use
        self.clock = clock or Clock()
        self._gateway = gateway
        self._history: History | None = None
        self.unsaved_at_exit = 0  # messages the history database never took (a full disk)
        self._usage: UsageService | None = None
        self.marked_models: list[str] = []  # marked in the Models panel, to compare (F7)
        self._drop_controls = DropControls()  # one object: Textual caches strips per filter
        super().__init__()

    @property
    def demo_url(self) -> str | None:
        if self._demo_url is None and self._demo_handle is not None:
            self._demo_url = self._demo_handle.url
        return self._demo_url

    @property
    def spec(self) -> GatewaySpec:
        """The gateway the app talks to; a demo profile's is known once its gateway is up."""
        if self._spec is None:
            self._spec = spec_for(self.profile, self.demo_url)
        return self._spec

    @spec.setter
    def spec(self, spec: GatewaySpec) -> None:
        self._spec = spec

    @property
    def gateway(self) -> Gateway:
        if self._gateway is None:
            from ..gateway import Gateway  # httpx2: loaded after the first frame (~25 ms)

            self._gateway = Gateway(self.spec)
            self._gateway.on_retry = self._retrying
        return self._gateway

    @property
    def history(self) -> History:
        """Conversations on disk, opened on first use; store problems become notifications."""
        if self._history is None:
            from ..chat.history import History  # SQLite: read just after the first frame

            self._history = History.open(self.profile.name, self._store_problem)
        return self._history

    @property
    def usage(self) -> UsageService:
        """Syncs the usage log and costs answers (one per run: it resets the demo's once)."""
        if self._usage is None:
            from ..spend.service import UsageService  # the store: after the first frame

            self._usage = UsageService()
        return self._usage

    def _store_problem(self, error: StoreError) -> None:
        self.notify(error.message, title=_("History"), severity="error", timeout=10)

    def _retrying(self, error: GatewayError, delay: float) -> None:
        seconds = f"{delay:.0f}" if delay >= 1 else f"{delay:.1f}"
        if isinstance(error, RateLimited):
            text = _("Rate limited, retrying in {seconds} s.").format(seconds=seconds)
        else:
            text = _("{error} Retrying in {seconds} s.").format(error=error, seconds=seconds)
        self.notify(text, severity="warning", timeout=max(2.0, delay + 1))

    async def on_unmount(self) -> None:
        if self._gateway is not None:
            await self._gateway.aclose()
        if self._history is not None:
            if self._history.backlog:  # a last try; what still fails is said at exit
                self._history.catch_up()
                self.unsaved_at_exit = self._history.backlog
            self._history.close()

    def get_line_filters(self) -> Sequence[LineFilter]:
        """Textual's filters, then the net that keeps escapes off the terminal (tui.ui.inert)."""
        return [*super().get_line_filters(), self._drop_controls]

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """A notification whose text is shown as it is: gateway messages often fill it, so
        escapes become visible stand-ins and markup is never interpreted."""
        super().notify(
            terminal_safe(message, multiline=True), title=terminal_safe(title),
            severity=severity, timeout=timeout, markup=False,
        )  # fmt: skip

    def save_setting(self, key: str, value: object, failed: str) -> None:
        """Set a top-level config `key` and save the file; `failed` (with {error}) if it cannot."""
        self.config.set(key, value)
        try:
            self.config.save()  # only this change, onto the file as it is now
        except OSError as exc:
            self.notify(failed.format(error=exc.strerror), severity="warning")
        except ConfigError as exc:
            self.notify(failed.format(error=exc), severity="warning")
        self._config_reloaded()

    def on_app_focus(self) -> None:
        self.check_config()

    def check_config(self) -> None:
        """Read config.toml again when another tokendeck changed it (`config init` in another
        shell): a stat every few seconds and on focus; new profiles then appear at once."""
        if self.config.reload():
            self._config_reloaded()

    def _config_reloaded(self) -> None:
        for screen in self.screen_stack:
            changed = getattr(screen, "config_changed", None)
            if changed is not None:
                changed()

    @work(exclusive=True, group="balance", exit_on_error=False)
    async def refresh_balance(self, announce: bool = False) -> None:
        from ..spend.balance_history import record  # the store: after the first frame

        self.balance_loading = True
        try:
            # a refresh the user asked for (r) looks again at a gateway found to have none
            found = await self.gateway.balance(fresh=announce)
            balance = replace(found, fetched_at=self.clock.now())
            record(self.history.db, self.profile.name, balance, self.clock.now())
            self.balance, self.balance_error = balance, None
            self.balance_missing = None
            if announce:
                self.notify(_("Balance refreshed."), timeout=2)
        except NoBalanceEndpoint as exc:  # a fact about the gateway, not a failure
            self.balance_missing, self.balance_error = terminal_safe(exc.message), None
            if announce:
                self.notify(exc.message, title=_("Balance"), timeout=5)
        except GatewayError as exc:
            detail = terminal_safe(exc.detail, multiline=True)  # the gateway's own words
            first = self.balance_error != detail
            self.balance_error = detail
            if first or announce:
                self.notify(detail, title=_("Balance"), severity="error", timeout=8)
        finally:
            self.balance_loading = False

    @property
    def low_threshold(self) -> Decimal | None:
        return self.profile.low_balance

    def is_low(self, balance: Balance | None) -> bool:
        threshold = self.low_threshold
        if balance is None or threshold is None or balance.unlimited:
            return False
        return balance.remaining is not None and balance.remaining < threshold

    def use_model(self, model: str) -> None:
        self.model = model
        self.notify(_("Chatting with {model}.").format(model=model), timeout=3)
