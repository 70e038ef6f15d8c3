"""`tokendeck logs` of many pages fetches and reads them in a helper process
(tui/gateway/pagehelper.py): the listing is byte for byte the listing made in one process, and
any page the helper does not answer (the gateway failed it, the helper ended or hangs) is
fetched in this process as any page is, with its retries and its errors."""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import signal
from typing import Any

import pytest

from tests import procs
from tui.cli import gateway_cmds
from tui.demo import DEMO_KEY, DemoGateway
from tui.demo.faults import Fault
from tui.gateway import Gateway, GatewaySpec, Secret, pagehelper
from tui.gateway.errors import AuthError
from tui.gateway.pagehelper import FAILED, ROWS, TEXTS, PageHelper, _decoded, _encoded
from tui.gateway.types import LogPage, LogRow, Timeouts
from tui.profiles.config import demo_profile


@pytest.fixture
def helpers(monkeypatch: pytest.MonkeyPatch) -> list[PageHelper]:
    """Every PageHelper started in the test (each asked for every page, however far behind
    and however few cores the two use)."""
    monkeypatch.setattr(pagehelper, "_BACKLOG", 99)
    monkeypatch.setattr(pagehelper, "_CORES", 0.0)
    started: list[PageHelper] = []
    start = PageHelper.start.__func__  # type: ignore[attr-defined]

    async def recorded(cls: type[PageHelper], gw: Gateway) -> PageHelper | None:
        helper = await start(cls, gw)
        if helper is not None:
            started.append(helper)
            await helper.ready.wait()  # every page to the helper, not this process meanwhile
        return helper

    monkeypatch.setattr(PageHelper, "start", classmethod(recorded))
    return started


def spec_of(demo: DemoGateway, **kw: Any) -> GatewaySpec:
    return GatewaySpec("t", demo.opencodex_base, Secret(DEMO_KEY), logs_url=demo.logs_url, **kw)


async def listing(spec: GatewaySpec, monkeypatch: pytest.MonkeyPatch, *, limit: int = 0) -> str:
    out = io.StringIO()
    monkeypatch.setattr(gateway_cmds.sys, "stdout", out)
    args = argparse.Namespace(action=None, since=None, until=None, limit=limit, format="csv",
                              json=False, model=None)  # fmt: skip
    async with Gateway(spec) as gw:
        assert await gateway_cmds.logs(gw, args, demo_profile()) == 0
    return out.getvalue()


async def in_one_process(spec: GatewaySpec, monkeypatch: pytest.MonkeyPatch) -> str:
    with monkeypatch.context() as m:
        m.setattr(pagehelper, "_helps", lambda gw: False)
        return await listing(spec, monkeypatch)


async def test_the_helper_lists_what_one_process_lists(
    demo: DemoGateway, monkeypatch: pytest.MonkeyPatch, helpers: list[PageHelper]
) -> None:
    spec = spec_of(demo)
    alone = await in_one_process(spec, monkeypatch)
    assert not helpers and alone.count("\n") == len(demo.logs) + 1
    helped = await listing(spec, monkeypatch)
    assert helped == alone
    assert len(helpers) == 1 and helpers[0].answered >= len(demo.logs) // 300  # every page
    assert helpers[0]._process.returncode == 0  # ended with the listing


async def test_pages_asked_while_the_helper_starts_are_fetched_here(
    demo: DemoGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = spec_of(demo)
    alone = await in_one_process(spec, monkeypatch)
    assert await listing(spec, monkeypatch) == alone  # not waiting for the helper to start


async def test_a_listing_of_a_page_or_two_starts_no_helper(
    demo: DemoGateway, monkeypatch: pytest.MonkeyPatch, helpers: list[PageHelper]
) -> None:
    assert (await listing(spec_of(demo), monkeypatch, limit=500)).count("\n") == 501
    assert not helpers


async def test_pages_asked_while_the_helper_is_behind_are_fetched_here(
    demo: DemoGateway, monkeypatch: pytest.MonkeyPatch, helpers: list[PageHelper]
) -> None:
    spec = spec_of(demo)
    alone = await in_one_process(spec, monkeypatch)
    monkeypatch.setattr(pagehelper, "_BACKLOG", 1)  # one page at a time for the helper
    assert await listing(spec, monkeypatch) == alone
    assert 0 < helpers[0].answered < len(demo.logs) // 300


async def test_the_helper_is_given_up_when_the_two_share_a_core(
    demo: DemoGateway, monkeypatch: pytest.MonkeyPatch, helpers: list[PageHelper]
) -> None:
    spec = spec_of(demo)
    alone = await in_one_process(spec, monkeypatch)
    monkeypatch.setattr(pagehelper, "_CORES", 99.0)  # never this many: always too few
    monkeypatch.setattr(pagehelper, "_CHECK_SECONDS", 0.0)
    assert await listing(spec, monkeypatch) == alone
    assert helpers[0].declined and helpers[0].answered <= 2  # asked until first measured
    monkeypatch.setattr(pagehelper, "_CORES", 0.0)  # two cores' worth, as when idle
    assert await listing(spec, monkeypatch) == alone
    assert not helpers[1].declined and helpers[1].answered >= len(demo.logs) // 300


async def test_hostile_texts_come_through_the_helper_unchanged(
    demo: DemoGateway, monkeypatch: pytest.MonkeyPatch, helpers: list[PageHelper]
) -> None:
    demo.faults.add(Fault("hostile", endpoint="logs", times=-1))
    spec = spec_of(demo)
    alone = await in_one_process(spec, monkeypatch)
    assert await listing(spec, monkeypatch) == alone
    assert helpers[0].answered > 0


async def test_a_page_the_helper_failed_is_fetched_here_with_its_retries(
    demo: DemoGateway, monkeypatch: pytest.MonkeyPatch, helpers: list[PageHelper]
) -> None:
    spec = spec_of(demo)
    alone = await listing(spec, monkeypatch)
    pages = helpers[0].answered  # every page, from the helper
    demo.faults.add(Fault("status", endpoint="logs", status=503, times=2))  # helper, then here
    assert await listing(spec, monkeypatch) == alone
    assert helpers[1].answered == pages - 1  # the failed page came from here, retried


async def test_an_error_is_the_same_error_through_the_helper(
    demo: DemoGateway, monkeypatch: pytest.MonkeyPatch, helpers: list[PageHelper]
) -> None:
    spec = GatewaySpec("t", demo.opencodex_base, Secret("sk-wrong-key-0000"),
                       logs_url=demo.logs_url)  # fmt: skip
    with pytest.raises(AuthError):
        await listing(spec, monkeypatch)
    assert helpers and helpers[0].answered == 0


async def test_the_helper_ending_midway_leaves_the_rest_to_this_process(
    demo: DemoGateway, monkeypatch: pytest.MonkeyPatch, helpers: list[PageHelper]
) -> None:
    spec = spec_of(demo)
    alone = await in_one_process(spec, monkeypatch)
    write = gateway_cmds.RowWriter.write

    killed: list[int] = []

    def killing(self: Any, batch: Any) -> None:  # the helper dies after the first page
        if helpers and not killed:
            killed.append(helpers[0].answered)
            os.kill(helpers[0]._process.pid, signal.SIGKILL)
        write(self, batch)

    monkeypatch.setattr(gateway_cmds.RowWriter, "write", killing)
    assert await listing(spec, monkeypatch) == alone
    assert 0 < helpers[0].answered < len(demo.logs) // 300


async def test_a_helper_that_hangs_is_given_up(
    demo: DemoGateway, monkeypatch: pytest.MonkeyPatch, helpers: list[PageHelper]
) -> None:
    spec = spec_of(demo, timeouts=Timeouts(request=0.5))
    alone = await in_one_process(spec, monkeypatch)
    monkeypatch.setattr(pagehelper, "_GRACE", 0.5)
    write = gateway_cmds.RowWriter.write

    stopped: list[int] = []

    def stopping(self: Any, batch: Any) -> None:  # the helper stops answering
        if helpers and not stopped:
            stopped.append(helpers[0].answered)
            os.kill(helpers[0]._process.pid, signal.SIGSTOP)
        write(self, batch)

    monkeypatch.setattr(gateway_cmds.RowWriter, "write", stopping)
    async with asyncio.timeout(30):  # a helper waited for forever: the test fails, not hangs
        assert await listing(spec, monkeypatch) == alone
    assert not procs.running(helpers[0]._process.pid)  # killed and gone, not left stopped
    assert helpers[0].answered < len(demo.logs) // 300  # the rest from here


def test_answers_decode_to_the_rows_encoded() -> None:
    texts = (("3", "2"), ("9", "9"), ("100", "99"), ("1", "0"), ("4", "5"), ("7", "0"),
             ("m", "模型\udc80"), ("10", "3"), ("r", "=x"), ("", ""), ("a,b", '"q"'))  # fmt: skip
    kind, payload = _encoded(texts)
    assert kind == TEXTS
    page = _decoded(kind, payload)
    assert isinstance(page, LogPage)
    assert [tuple(map(str, r)) for r in page] == list(zip(*texts, strict=True))
    odd = (*texts[:8], ("r\x1e", "s"), *texts[9:])  # a text holding the separator: pickled
    kind, payload = _encoded(odd)
    assert kind == ROWS and _decoded(kind, payload) == _decoded(*_encoded(odd))
    assert [r.reqid for r in _decoded(kind, payload) or []] == ["r\x1e", "s"]
    rows = [LogRow(1, "", 1.5, 0, 0, "0.5", "m", "1", "", "", "")]
    assert _decoded(*_encoded(rows)) == rows
    assert _decoded(FAILED, b"") is None
    assert _decoded(TEXTS, b"a\x1fb") is None  # not eleven columns
    assert _decoded(ROWS, b"not a pickle") is None
