"""Helpers for the browser tests: the app served by uvicorn in a thread, and Debian's
Chromium driven by Playwright (its own browser download does not work here)."""

from __future__ import annotations

import logging
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from referendum.web.access_log import LOGGER as ACCESS_LOGGER
from referendum.web.app import create_app
from referendum.web.context import WebContext

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def need_chromium() -> None:
    """Skip with a clear message when Chromium or Playwright is missing."""
    if shutil.which(CHROMIUM) is None:
        pytest.skip("browser tests need Debian's chromium (make system-deps installs it)")
    pytest.importorskip("playwright.sync_api", reason="browser tests need the playwright package")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class AccessLog(logging.Handler):
    """The lines of the server's access log (``referendum.web.access_log``)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@contextmanager
def running(ctx: WebContext, access_log: AccessLog | None = None) -> Iterator[str]:
    """Serve the app on loopback in a thread; yields its base URL.  With ``access_log``,
    the server's access log is kept there."""
    import uvicorn

    port = _free_port()
    config = uvicorn.Config(
        create_app(ctx),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="off",
        access_log=False,  # as ``serve``: the app keeps the access log
    )
    logger = logging.getLogger(ACCESS_LOGGER)
    if access_log is not None:
        logger.setLevel(logging.INFO)
        logger.addHandler(access_log)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        if access_log is not None:
            logger.removeHandler(access_log)


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium browser."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
