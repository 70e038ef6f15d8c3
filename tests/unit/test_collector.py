"""collector_paused: the cyclic collector is off inside, back on after the last of overlapping
blocks, and left off when it was off before."""

from __future__ import annotations

import gc

import pytest

from tui.base.collector import collector_paused


def test_overlapping_pauses_resume_after_the_last() -> None:
    assert gc.isenabled()
    first, second = collector_paused(), collector_paused()
    first.__enter__()
    second.__enter__()
    assert not gc.isenabled()
    first.__exit__(None, None, None)
    assert not gc.isenabled()  # the second still runs
    second.__exit__(None, None, None)
    assert gc.isenabled()


def test_a_failure_inside_still_resumes() -> None:
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError
    assert gc.isenabled()


def test_a_collector_already_off_stays_off() -> None:
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
