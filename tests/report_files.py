"""Reading reports back as finance would: LibreOffice and poppler (Debian's, installed by make test) are real
programs the tests run; their absence is a failure that says what to install, never a skip. Shared by the report
and download tests."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest


def need(program: str) -> str:
    found = shutil.which(program)
    if found is None:
        pytest.fail(f"{program} is missing: run make office (Debian's libreoffice-calc-nogui and poppler-utils)")
    return found


def pdf_page_png(pdf: Path, page: int, out: Path, resolution: int = 60) -> Path:
    """One page of a PDF as a PNG (pdftoppm), for looking at and for checking it is not blank."""
    prefix = out / f"{pdf.stem}-page-{page}"
    subprocess.run([need("pdftoppm"), "-r", str(resolution), "-png", "-singlefile", "-f", str(page), "-l", str(page),
                    str(pdf), str(prefix)], check=True, timeout=60)
    return prefix.with_suffix(".png")


def libreoffice_to_pdf(document: Path, out: Path) -> Path:
    """Open a document in LibreOffice (headless, its own profile) and print it to PDF: a file LibreOffice cannot
    open, or would repair, gives no PDF."""
    profile = out / "lo-profile"
    result = subprocess.run([need("soffice"), f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
                             "--convert-to", "pdf", "--outdir", str(out), str(document)],
                            capture_output=True, text=True, timeout=180)
    converted = out / (document.stem + ".pdf")
    assert result.returncode == 0 and converted.is_file(), f"LibreOffice could not open {document.name}: " \
        f"{result.stdout} {result.stderr}"
    return converted
