"""A published page as PDF: the page itself, with its print stylesheet, printed by the machine's Chromium (Debian's
package, as the finance packs' charts), so the PDF and the browser's own Print give the same pages. A snapshot
never changes, so each PDF is printed once and kept beside the store (`<store>/.pdf/<snapshot>/<page>.pdf`; a
draft's, which carry its banner, apart in `<store>/.draft-pdf/`, never where a public one is looked for); one
print at a time per process, and a print that does not finish in time is refused, never left hanging."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

from reports.published_store import PublishedStore

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
PRINT_SECONDS = 60
WAIT_SECONDS = 30
PDFS, DRAFT_PDFS = ".pdf", ".draft-pdf"
_one_print = threading.Lock()


class PrintUnavailable(RuntimeError):
    """No PDF can be printed now; str() says why."""


def chromium() -> str:
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    raise PrintUnavailable("no Chromium on this server to print with (Debian's package chromium: make browser)")


def pdf_of(store: PublishedStore, snapshot_id: str, page: str, html, kept_in: str = PDFS) -> bytes:
    """The page's PDF, printed on first asking from html() (the page's HTML, its stylesheet inlined)."""
    kept = Path(store.root) / kept_in / snapshot_id / f"{page}.pdf"
    if kept.is_file():
        return kept.read_bytes()
    if not _one_print.acquire(timeout=WAIT_SECONDS):
        raise PrintUnavailable("the server is printing other pages")
    try:
        if kept.is_file():   # printed while this request waited
            return kept.read_bytes()
        pdf = print_html(html())
        kept.parent.mkdir(parents=True, exist_ok=True)
        written = kept.with_suffix(f".{os.getpid()}.writing")
        written.write_bytes(pdf)
        os.replace(written, kept)   # whole, or not at all
        return pdf
    finally:
        _one_print.release()


def print_html(html: str) -> bytes:
    """Chromium, headless, prints the HTML from a file (nothing is fetched: the page carries its stylesheet and its
    map inline) on A4 without the browser's own header and footer."""
    with tempfile.TemporaryDirectory(prefix="published-print-") as folder:
        page, pdf = Path(folder) / "page.html", Path(folder) / "page.pdf"
        page.write_text(html, encoding="utf-8")
        command = [chromium(), "--headless", "--disable-gpu", "--no-pdf-header-footer", "--no-first-run",
                   f"--user-data-dir={Path(folder) / 'profile'}", f"--print-to-pdf={pdf}", page.as_uri()]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.insert(1, "--no-sandbox")   # Chromium will not start its sandbox as root (containers, CI)
        try:
            subprocess.run(command, capture_output=True, timeout=PRINT_SECONDS, check=False)
        except subprocess.TimeoutExpired:
            raise PrintUnavailable(f"printing took longer than {PRINT_SECONDS} s") from None
        if not pdf.is_file() or pdf.stat().st_size == 0:
            raise PrintUnavailable("Chromium printed nothing")
        return pdf.read_bytes()
