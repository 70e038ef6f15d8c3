"""The offer to retry a failed answer by hand, counting down while the gateway asks to wait.

A chat request is never retried automatically once the gateway began answering (it may have
charged for it): the user decides, and a rate limit's Retry-After shows as a countdown read
from the app's clock, so tests can move time instead of waiting for it.
"""

from __future__ import annotations

import math

from textual.timer import Timer
from textual.widgets import Static

from ....base.clock import Clock
from ....base.i18n import _
from ....gateway import AuthError, BadRequest, GatewayError, OutOfCredits, RateLimited

# Failures a retry cannot mend: the key, the credits or the request itself must change first.
HOPELESS = (AuthError, OutOfCredits, BadRequest)


class RetryOffer(Static):
    """One line under the transcript: what failed and how to retry (Ctrl+R)."""

    DEFAULT_CSS = """
    RetryOffer { display: none; height: auto; padding: 0 1; color: $text-warning; }
    RetryOffer.-shown { display: block; }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__("", markup=False, **kwargs)  # type: ignore[arg-type]
        self.until: float | None = None  # the clock's monotonic time when a retry may go
        self._cut = False
        self._timer: Timer | None = None

    @property
    def clock(self) -> Clock:
        clock = getattr(self.app, "clock", None)
        return clock if isinstance(clock, Clock) else Clock()

    @property
    def shown(self) -> bool:
        return self.has_class("-shown")

    def offer(self, error: GatewayError | None, *, cut: bool) -> None:
        """Show the offer for an answer that was cut off or failed with `error`."""
        self.withdraw()
        if isinstance(error, HOPELESS):
            return
        self._cut = cut
        wait = error.retry_after if isinstance(error, RateLimited) else None
        if wait:
            self.until = self.clock.monotonic() + wait
            self._timer = self.set_interval(1, self.tick)
        self.add_class("-shown")
        self.tick()

    def tick(self) -> None:
        """Show the time left (the timer calls this every second)."""
        left = math.ceil(self.until - self.clock.monotonic()) if self.until is not None else 0
        if left > 0:
            self.update(
                _("Rate limited — retry possible in {seconds} s, then press Ctrl+R.").format(
                    seconds=left
                )
            )
            return
        self._stop_timer()
        self.until = None
        if self._cut:
            self.update(_("Answer cut off — press Ctrl+R to retry (never automatic: it may be "
                          "charged)."))  # fmt: skip
        else:
            self.update(_("Answer failed — press Ctrl+R to retry (never automatic: it may be "
                          "charged)."))  # fmt: skip

    def withdraw(self) -> None:
        """Hide the offer (a new answer started, or another conversation opened)."""
        self._stop_timer()
        self.until = None
        self.remove_class("-shown")
        self.update("")

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
