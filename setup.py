"""Build hook: the seed playbooks (with their articles and cases) go into the package.

Everything else is in pyproject.toml. In a checkout the app reads `playbooks/` itself; an
installed wheel reads this copy, `sopdesk/seed/playbooks` (SOPDESK_PLAYBOOKS overrides both).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


class BuildPy(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return  # an editable install reads the checkout's playbooks/
        target = Path(self.build_lib) / "sopdesk" / "seed" / "playbooks"
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(
            ROOT / "playbooks", target, ignore=shutil.ignore_patterns("__pycache__", "*.py[co]")
        )


setup(cmdclass={"build_py": BuildPy})
