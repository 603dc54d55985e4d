"""The pre-receive hook of the local git host: applies the ref rules to every pushed ref.

git's ``receive-pack`` runs it (``core.hooksPath``) with one ``<old> <new> <ref>`` line per
ref on stdin and the pushed objects visible, before any ref moves. A refusal of any
update refuses the whole push (git reports each ref as "pre-receive hook declined") and
the reason reaches the pusher as ``remote: goldpath: ...`` lines.
"""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path
from typing import TextIO

from goldpath.gitserver._push import RefUpdate
from goldpath.gitserver._rules import RULES_ENV, RefRefusal, RefRules, ref_refusal
from goldpath.providers.git import GitCommandError, run_git

__all__ = ["install_hooks", "main", "refusals"]

_HOOK = "pre-receive"


_RECEIVE_ENV = (
    "GIT_DIR",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_QUARANTINE_PATH",
)
"""What receive-pack hands its hook so that the pushed, still quarantined objects are
visible; git's clean environment keeps only these of the hook's own."""


def _is_ancestor(old: str, new: str) -> bool:
    receive = {key: os.environ[key] for key in _RECEIVE_ENV if key in os.environ}
    try:
        run_git(["merge-base", "--is-ancestor", old, new], env=receive)
    except GitCommandError:
        return False  # exit 1: not an ancestor; anything else: unknown, so refuse
    return True


def parse_updates(lines: TextIO) -> list[RefUpdate]:
    """The ``<old> <new> <ref>`` lines git hands a pre-receive hook."""
    updates = []
    for line in lines:
        parts = line.split()
        if len(parts) == 3:
            updates.append(RefUpdate(ref=parts[2], old=parts[0], new=parts[1]))
    return updates


def refusals(rules: RefRules, updates: list[RefUpdate]) -> list[RefRefusal]:
    """Every rule the updates break (asks git whether each plain update fast-forwards)."""
    found = []
    for update in updates:
        fast_forward = update.is_create or update.is_delete or _is_ancestor(update.old, update.new)
        refusal = ref_refusal(rules, update, fast_forward=fast_forward)
        if refusal is not None:
            found.append(refusal)
    return found


def main() -> int:
    """Run as the hook: 0 lets the push through, 1 refuses it."""
    raw = os.environ.get(RULES_ENV)
    if not raw:
        print("goldpath: this push did not come through goldpath; refused", file=sys.stderr)
        return 1
    try:
        rules = RefRules.from_env(raw)
    except ValueError as exc:
        print(f"goldpath: the push rules are unreadable ({exc}); refused", file=sys.stderr)
        return 1
    found = refusals(rules, parse_updates(sys.stdin))
    for refusal in found:
        print(f"goldpath: refused {refusal.ref}: {refusal.message}", file=sys.stderr)
    return 1 if found else 0


def install_hooks(folder: Path) -> Path:
    """Write the hooks folder git is pointed at (``core.hooksPath``); returns it."""
    folder.mkdir(parents=True, exist_ok=True)
    run = "from goldpath.gitserver._hook import main; raise SystemExit(main())"
    script = f"#!/bin/sh\nexec {shlex.quote(sys.executable)} -c {shlex.quote(run)}\n"
    target = folder / _HOOK
    if not target.is_file() or target.read_text(encoding="utf-8") != script:
        staged = folder / f".{_HOOK}.{os.getpid()}"
        staged.write_text(script, encoding="utf-8")
        staged.chmod(0o755)
        os.replace(staged, target)  # atomic: a concurrent push sees the old or the new hook
    return folder
