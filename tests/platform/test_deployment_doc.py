"""docs/deployment.md covers every phase (commands, gate, wait) and every seed pitfall."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer.main

from goldpath.cli._platform import platform_app
from goldpath.platform._doctor import PHASES

DOC = (Path(__file__).resolve().parents[2] / "docs" / "deployment.md").read_text()
PITFALLS = {
    "ARM images on x86 nodes": ("linux/amd64",),
    "Plain Kubernetes secrets": ("External Secrets", "Secrets Manager"),
    "Duplicate Route53 zones and stale wildcard records": ("create_zone", "allow_overwrite"),
    "Client-side apply of large CRDs": ("server-side",),
    "`.git` suffix for Argo CD": ("repoURL",),
    "YAML colons in CI": ("quotes",),
    "Lockfiles": ("package-lock.json", "npm ci"),
}


def _phase_section(number: int) -> str:
    match = re.search(rf"^## Phase {number}:(.*?)(?=^## )", DOC, flags=re.S | re.M)
    assert match, f"no section for phase {number}"
    return match.group(1)


@pytest.mark.parametrize("number", [1, 2, 3, 4])
def test_every_phase_has_commands_a_gate_and_a_typical_wait(number: int) -> None:
    section = _phase_section(number)
    assert "**Do.**" in section and "**Gate.**" in section and "**Typical wait.**" in section
    assert "```sh" in section, f"phase {number} shows no commands"


def test_phases_follow_doctors_order_and_titles() -> None:
    for number, title in PHASES:
        assert re.search(
            rf"^phase {number}\s+{re.escape(title.split()[0])}", DOC, flags=re.M | re.I
        )


@pytest.mark.parametrize(
    ("number", "wait"),
    [(1, "15-20 minutes"), (2, "48 hours"), (2, "ACM validation follows DNS")],
)
def test_typical_waits_are_stated(number: int, wait: str) -> None:
    assert wait in _phase_section(number)


@pytest.mark.parametrize("pitfall", sorted(PITFALLS))
def test_every_seed_pitfall_is_covered_with_its_remedy(pitfall: str) -> None:
    rows = [line for line in DOC.splitlines() if line.startswith(f"| {pitfall} |")]
    assert len(rows) == 1, f"pitfall {pitfall!r} has no row"
    for word in PITFALLS[pitfall]:
        assert word in rows[0], f"pitfall {pitfall!r} does not mention {word}"


def test_every_goldpath_platform_command_in_the_guide_exists() -> None:
    commands = {c.name for c in typer.main.get_command(platform_app).commands.values()}  # type: ignore[attr-defined]
    used = set(re.findall(r"goldpath platform ([a-z-]+)", DOC))
    assert used, "the guide shows no goldpath platform command"
    assert used <= commands
    assert {"bootstrap-backend", "deploy-portal", "doctor"} <= used
