"""Run in a child process: try to create one repository, report the outcome."""

from __future__ import annotations

import multiprocessing.queues
from pathlib import Path

from goldpath.providers.git import LocalGitHost, RepoExistsError


def create_in_process(root: str, results: multiprocessing.queues.Queue[str]) -> None:
    """Create team/race under ``root``; put ``created:<id>`` or ``exists`` on the queue."""
    host = LocalGitHost(Path(root), "http://portal.test")
    try:
        results.put("created:" + host.create_repo("team", "race").id)
    except RepoExistsError:
        results.put("exists")
