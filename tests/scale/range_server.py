"""A small HTTP file server for tests that honours single byte ranges (RFC 9110 section 14),
or, with ``ranges=False``, answers every request with the whole file."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

_RANGE = re.compile(r"bytes=(\d+)-(\d*)")


class _Handler(SimpleHTTPRequestHandler):
    ranges = True

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return None

    def do_GET(self) -> None:
        path = Path(self.translate_path(self.path))
        match = _RANGE.fullmatch(self.headers.get("Range", ""))
        if not path.is_file() or match is None or not self.ranges:
            super().do_GET()
            return
        size = path.stat().st_size
        start = int(match.group(1))
        end = min(int(match.group(2)) if match.group(2) else size - 1, size - 1)
        if start >= size:
            self.send_response(416)
            self.send_header("Content-Range", f"bytes */{size}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(206)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(end - start + 1))
        self.end_headers()
        with path.open("rb") as handle:
            handle.seek(start)
            self.wfile.write(handle.read(end - start + 1))


@contextmanager
def serve(directory: Path, *, ranges: bool = True) -> Iterator[str]:
    """Serve ``directory`` on a free loopback port; yields the base URL."""
    handler = type("Handler", (_Handler,), {"ranges": ranges})
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(directory)))
    server.handle_error = lambda *_: None  # type: ignore[method-assign]  # a client hung up
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
