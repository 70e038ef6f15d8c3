"""Every dependence of tokendeck on a private member of Textual, Rich or httpx2, one module per
contract. Each module says in its docstring which symbols it relies on, the version it was
written against and the tests that fail when upstream changes them, and holds the same as
SYMBOLS, PINNED and TESTS (tests/unit/test_patches.py checks that every symbol still exists and
that the installed versions are the pinned ones: an upgrade fails there first, with this list
as the audit to make).

  cjk_wrap           textual._wrap.re_chunk, rich._wrap.re_word: line breaks between Chinese
                     characters
  theme_start        App._refresh_truecolor_filter (App._watch_theme's work): the theme set
                     before the first style-sheet parse
  screen_css         App._load_screen_css: the later style sheets before any screen's CSS
  first_restyle      Screen.update_node_styles, Screen._refresh_layout: the main screen styled
                     once as it is first shown; laid out at once under another screen
  scroll_update      ScrollView._scroll_update: a taller transcript is not a new layout
  rich_markdown      rich.markdown.Markdown.__init__ skipped: one shared markdown-it parser
  palette            CommandPalette._start_no_matches_countdown and its fields: "no matches"
                     in the user's language
  detachable_driver  LinuxDriver._file, App._driver: the terminal hanging up (SIGHUP)
  tui/gateway/httpx2_sse.py
                     httpx2.EventSource._check_content_type: mislabelled event streams (in the
                     gateway layer, which imports nothing of the UI)

Not here because it is gone: binding descriptions stay msgids and are translated where the
footer and the help screen paint them (no class patching of DOMNode, no rewritten binding
maps); the key form no longer shadows DOMNode._name.
"""

MODULES = (
    "tui.ui.patches.cjk_wrap",
    "tui.ui.patches.theme_start",
    "tui.ui.patches.screen_css",
    "tui.ui.patches.first_restyle",
    "tui.ui.patches.scroll_update",
    "tui.ui.patches.rich_markdown",
    "tui.ui.patches.palette",
    "tui.ui.patches.detachable_driver",
    "tui.gateway.httpx2_sse",
)
