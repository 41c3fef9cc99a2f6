"""Build hook: a built wheel works without ``make``.

The catalogues are compiled (``.po`` → ``.mo``; compiled files are not kept in git),
and the templates, static files and migrations, which live beside the package in the
source tree, are copied into it (``portal/templates`` …), where ``create_app`` finds
them. An editable install (``make install``) uses the source tree as it is.
Everything else is configured in ``pyproject.toml``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
BESIDE_THE_PACKAGE = ("templates", "static", "migrations")


class BuildPyWithResources(build_py):
    """``build_py`` that also compiles the catalogues and copies the resources."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        package = Path(self.build_lib) / "portal"
        self._compile_catalogues(package)
        for name in BESIDE_THE_PACKAGE:
            target = package / name
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(
                ROOT / name, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
            )

    @staticmethod
    def _compile_catalogues(package: Path) -> None:
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        for po in (ROOT / "portal" / "translations").glob("*/LC_MESSAGES/*.po"):
            mo = package / po.relative_to(ROOT / "portal").with_suffix(".mo")
            mo.parent.mkdir(parents=True, exist_ok=True)
            with po.open("rb") as source:
                catalog = read_po(source, locale=po.parent.parent.name)
            with mo.open("wb") as target:
                write_mo(target, catalog, use_fuzzy=False)


setup(cmdclass={"build_py": BuildPyWithResources})
