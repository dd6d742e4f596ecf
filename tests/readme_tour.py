"""The README's tour is real output: every `$ ` command of its console blocks, run in order in a fresh
folder holding a copy of seeds/ (after the README's first command, which builds the index).

    python -m tests.readme_tour           # show what differs from the README
    python -m tests.readme_tour --write   # write the real output into the README

`qa` runs from this checkout (``python -m qa.cli``), in a terminal 120 columns wide.
tests/test_docs.py checks that the README holds what this prints, times and scores aside.
"""

from __future__ import annotations

import difflib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from .conftest import ROOT, subprocess_env

README = ROOT / "README.md"
BLOCK = re.compile(r"```console\n(.*?)```", re.S)
FIRST = 'qa ask "韩国人工智能发展的目标是什么？"'  # the README's install-and-ask line


def commands(text: str) -> list[str]:
    return [cmd for block in BLOCK.findall(text) for cmd in re.findall(r"(?m)^\$ (.*)$", block)]


def run_tour(text: str) -> str:
    """The README with each console block's output replaced by what its commands print now."""
    with tempfile.TemporaryDirectory(prefix="qa-tour-") as tmp:
        work, bin_dir = Path(tmp) / "tour", Path(tmp) / "bin"
        shutil.copytree(ROOT / "seeds", work / "seeds")
        bin_dir.mkdir()
        (bin_dir / "qa").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m qa.cli "$@"\n', encoding="utf-8")
        (bin_dir / "qa").chmod(0o755)
        env = {k: v for k, v in subprocess_env().items() if k not in ("QA_INDEX", "QA_MODEL")}
        env.update(COLUMNS="120", PATH=f"{bin_dir}{os.pathsep}{env['PATH']}", XDG_STATE_HOME=str(Path(tmp) / "state"))

        def run(cmd: str) -> str:
            r = subprocess.run(cmd, shell=True, cwd=work, env=env, capture_output=True, text=True)
            return "\n".join(line.rstrip() for line in (r.stdout + r.stderr).rstrip("\n").splitlines())

        run(FIRST)

        def block(m: re.Match) -> str:
            shown = [f"$ {cmd}\n{run(cmd)}" for cmd in re.findall(r"(?m)^\$ (.*)$", m.group(1))]
            return "```console\n" + "\n".join(shown) + "\n```"

        return BLOCK.sub(block, text)


def masked(text: str) -> str:
    """Times, dates, sizes and scores (they change from run to run) as #."""
    text = re.sub(r"\d{4}-\d\d-\d\dT[\d:.+-]+", "#", text)
    return re.sub(r"\d+\.\d+", "#", text)


def main(argv: list[str]) -> int:
    text = README.read_text(encoding="utf-8")
    new = run_tour(text)
    if "--write" in argv:
        README.write_text(new, encoding="utf-8")
        return 0
    diff = list(difflib.unified_diff(masked(text).splitlines(), masked(new).splitlines(), "README.md", "now",
                                     lineterm=""))
    print("\n".join(diff) or "the README's tour is what qa prints")
    return 1 if diff else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
