"""The report as PDF, printed by headless Chromium (Debian's /usr/bin/chromium): the same engine
the console is tested in lays out the same HTML, CJK text included (with a CJK font installed,
e.g. fonts-wqy-microhei or fonts-noto-cjk), and no Python dependency with native libraries is
added. The page is loaded from a private temporary folder; its Content-Security-Policy lets it
load nothing, and Chromium's own background connections are turned off."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

DEFAULT_CHROMIUM = "/usr/bin/chromium"
PRINT_TIMEOUT = 300  # seconds: a report of every record of a large case takes a while to lay out
FLAGS = ["--headless", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-quic", "--no-pdf-header-footer",
         "--disable-extensions", "--mute-audio"]


class PdfError(Exception):
    """Chromium could not print the page; the message says why."""


def find_chromium(given: str | None) -> str:
    found = given or shutil.which("chromium") or DEFAULT_CHROMIUM
    if not Path(found).is_file() and shutil.which(found) is None:
        raise PdfError(f"no Chromium at {found}; install it (apt-get install chromium) or give --chromium PATH")
    return found


def print_pdf(html: str, chromium: str) -> bytes:
    with tempfile.TemporaryDirectory(prefix="qbot-report-") as tmp:
        page, pdf = Path(tmp) / "report.html", Path(tmp) / "report.pdf"
        page.write_text(html, "utf-8")
        # Chromium refuses to run as root with its sandbox; the page runs no script (CSP).
        sandbox = ["--no-sandbox"] if os.geteuid() == 0 else []
        command = [chromium, *FLAGS, *sandbox, f"--user-data-dir={tmp}/profile", f"--print-to-pdf={pdf}",
                   page.as_uri()]
        try:
            done = subprocess.run(command, capture_output=True, timeout=PRINT_TIMEOUT, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PdfError(f"{chromium} could not print the report: {exc}") from None
        if done.returncode != 0 or not pdf.is_file() or not pdf.read_bytes().startswith(b"%PDF"):
            tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
            raise PdfError(f"{chromium} did not print the report (exit {done.returncode}): {' '.join(tail)}")
        return pdf.read_bytes()
