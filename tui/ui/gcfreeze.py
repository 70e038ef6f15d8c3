"""What lives long (the app's widgets, the messages read, a panel once built) is taken out of
the cyclic garbage collector's sight.

A full collection walks every tracked object: ~70 ms with 5,000 messages read, ~15 ms while a
panel mounts, striking at random (between Enter and the frame that shows the message, in the
middle of a stream). Frozen objects are still freed by reference counting; only a frozen
cycle waits for the next `thaw()` (when another conversation is shown).
"""

from __future__ import annotations

import gc

_paused_at_start = False


def freeze_long_lived() -> None:
    gc.collect(1)  # the young garbage cycles first (cheap: young objects only)
    gc.freeze()


def thaw() -> None:
    """What was frozen may be garbage now: let the collector see it again."""
    gc.unfreeze()


def pause_for_start() -> None:
    """No cyclic collection while the app starts: its imports, style sheets and first widgets
    allocate ~60,000 long-lived objects, and the collector walked them ~150 times (~35-45 ms
    of the ~0.4 s to the first frame, a full collection ~15 ms of it). `resume_after_start`."""
    global _paused_at_start
    if gc.isenabled():
        gc.disable()
        _paused_at_start = True


def resume_after_start() -> None:
    """Once the first frame is out: what start-up built lives as long as the app, so it is
    frozen (the few thousand start-up cycles that are garbage wait for the next `thaw`), and
    the collector runs again for what comes next."""
    global _paused_at_start
    if _paused_at_start:
        _paused_at_start = False
        gc.freeze()
        gc.enable()
