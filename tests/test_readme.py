"""The README's commands run as written on a fresh machine (issue 11).

Every command in the README's ``sh`` blocks is one this test knows how to check:
``make <target>`` must be a target the Makefile can plan (``make -n``; running
``make demo`` would serve forever), and ``.venv/bin/goldpath ...`` runs for real
against a fresh home seeded the way ``make demo`` seeds it.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
GOLDPATH = Path(sys.executable).parent / "goldpath"


def readme_commands() -> list[str]:
    """Each command of the README's ``sh`` code blocks (continuations joined, comments cut)."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    commands: list[str] = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.DOTALL):
        joined = block.replace("\\\n", " ")
        for line in joined.splitlines():
            command = line.split(" #", 1)[0].strip()
            if command and not command.startswith("#"):
                commands.append(command)
    return commands


def test_the_readme_has_the_commands_a_newcomer_runs() -> None:
    commands = readme_commands()
    assert "make demo" in commands and "make test" in commands
    assert any(c.startswith(".venv/bin/goldpath create") for c in commands)


@pytest.mark.parametrize(
    "command", [c for c in readme_commands() if c.startswith("make ")], ids=lambda c: c
)
def test_every_make_command_is_a_target_make_can_run(command: str) -> None:
    planned = subprocess.run(
        [*shlex.split(command), "-n"], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert planned.returncode == 0, planned.stderr


@pytest.mark.slow
def test_the_goldpath_commands_run_against_a_freshly_seeded_home(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "GOLDPATH_HOME": str(tmp_path / "home"),
        "GOLDPATH_CATALOG__REFRESH_ENABLED": "false",
    }
    env.pop("GOLDPATH_CATALOG__FILE_ROOTS", None)  # a fresh machine's defaults
    seeded = subprocess.run(
        [str(GOLDPATH), "demo", "seed"], env=env, capture_output=True, text=True, check=False
    )
    assert seeded.returncode == 0, seeded.stdout + seeded.stderr
    goldpath_commands = [c for c in readme_commands() if c.startswith(".venv/bin/goldpath ")]
    assert goldpath_commands
    for command in goldpath_commands:
        args = shlex.split(command)
        ran = subprocess.run(
            [str(GOLDPATH), *args[1:]],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        assert ran.returncode == 0, f"{command}\n{ran.stdout}\n{ran.stderr}"
        if args[1] == "create":
            assert "completed" in ran.stdout
