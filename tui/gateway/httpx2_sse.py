"""Contract: an SSE body labelled with another content type is still read as SSE.

Private member: `httpx2.EventSource._check_content_type` (overridden to accept any type: the
caller has already sniffed the body as SSE). Pinned: httpx2 2.17.0 (pyproject: >=2.16,<3).
The gateway layer's one private dependence, kept here and not in tui/ui/patches/ (the gateway
imports nothing of the UI); tui/ui/patches/__init__.py lists it with the others.
Fails when upstream changes: tests/unit/test_sse_decoding.py (mislabelled event streams),
tests/unit/test_patches.py (the symbol).
"""

from __future__ import annotations

import httpx2

SYMBOLS = ("httpx2.EventSource._check_content_type",)
PINNED = {"httpx2": "2.17.0"}
TESTS = ("tests/unit/test_sse_decoding.py",)


class AnyTypeEventSource(httpx2.EventSource):
    """EventSource for bodies already sniffed as SSE though labelled otherwise."""

    def _check_content_type(self) -> None:
        return None
