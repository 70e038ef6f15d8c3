"""A footer key that does not fit whole at 80 columns is left out, not cut: the profiles
dashboard's footer ended in 'f1 H' (zh: a bare 'f1'), half a key."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import make_app, screen_text, wait_for
from tui.base.i18n import set_language
from tui.demo import DemoGateway
from tui.ui.screens.profiles import ProfilesScreen


async def footer_of_profiles(demo: DemoGateway, tmp_path: Path) -> str:
    app = make_app(demo, tmp_path, demo_url=demo.url)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.balance is not None)
        await pilot.press("f6")
        await wait_for(pilot, lambda: isinstance(app.screen, ProfilesScreen))
        await pilot.pause()
        return screen_text(app).splitlines()[-1]


async def test_the_footer_shows_whole_keys_only(demo: DemoGateway, tmp_path: Path) -> None:
    footer = await footer_of_profiles(demo, tmp_path)
    assert "f1 Help" in footer or "f1" not in footer, footer
    set_language("zh_CN")  # the conftest fixture sets English back afterwards
    footer = await footer_of_profiles(demo, tmp_path)
    keys = footer.split("▏")[0].split()
    assert keys[-1] != "f1", footer  # a key with its description, or none
