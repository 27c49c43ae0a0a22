"""From the letter to the booth, in Chromium: the QR code printed on a voter's letter, read
from the rendered PDF, opens the served booth with the credential filled in, the credential
gone from the address bar and the history at once, and never in the server's access log."""

from __future__ import annotations

import json
from pathlib import Path

import pypdfium2
import pytest
import zxingcpp

from core.helpers import ready_referendum, run_main
from referendum.board.open import open_board

from .browser import AccessLog, chromium, need_chromium, running
from .conftest import serve
from .phases import styled_manifest

pytestmark = pytest.mark.slow


def test_the_letters_qr_code_opens_the_booth_with_the_credential(tmp_path: Path) -> None:
    need_chromium()
    board = open_board(tmp_path / "board.sqlite")
    served = serve(ready_referendum(board, m=styled_manifest(), per_region=1))
    west = served.setup.credentials["west"][0]
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps(served.setup.state.manifest_payload), encoding="utf-8")
    private = tmp_path / "west.csv"
    private.write_text(f"region,credential\nwest,{west.private}\n", encoding="utf-8")
    log = AccessLog()
    with running(served.ctx, log) as url, chromium() as browser:
        letters = tmp_path / "letters.pdf"
        code, _, stderr = run_main(
            "credentials", "letters", "--manifest", str(manifest), "--private", str(private),
            "--booth-url", f"{url}/booth", "--language", "en", "--out", str(letters),
        )  # fmt: skip
        assert code == 0, stderr
        image = pypdfium2.PdfDocument(letters.read_bytes())[0].render(scale=2).to_pil()
        (qr,) = zxingcpp.read_barcodes(image)
        assert qr.text == f"{url}/booth#credential={west.private}"
        page = browser.new_context(locale="en-GB").new_page()
        page.goto(qr.text)
        page.wait_for_selector("#encrypt:enabled")
        assert page.input_value("#credential") == west.private
        page.wait_for_function("() => window.location.hash === ''")
        assert west.private not in page.url
        page.go_back()  # the history holds no entry with the credential either
        assert west.private not in page.url
    assert log.lines and all(west.private not in line for line in log.lines)
    board.close()
