"""Compile the message catalogues for the test run (``.mo`` files are build output)."""

from __future__ import annotations

import os
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).resolve().parent.parent / "portal" / "translations"


def compile_catalogues(directory: Path = TRANSLATIONS) -> list[Path]:
    """Compile every ``.po`` under ``directory`` whose ``.mo`` is missing or older.

    The ``.mo`` files are build output (git-ignored); ``make translations`` writes them
    too. Returns the files written.
    """
    written = []
    for po_path in sorted(directory.glob("*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as fh:
            catalog = read_po(fh, abort_invalid=True)
        tmp_path = mo_path.with_suffix(".mo.tmp")
        with tmp_path.open("wb") as fh:
            write_mo(fh, catalog, use_fuzzy=False)
        os.replace(tmp_path, mo_path)
        written.append(mo_path)
    return written
