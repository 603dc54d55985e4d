"""What GitLab and GitHub have in common: pushing over HTTPS with the token in a header."""

from __future__ import annotations

import base64
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from goldpath.errors import FieldError
from goldpath.providers.git._cli import GitAuthor, check_branch_name, run_git
from goldpath.providers.git._url import split_known_ref
from goldpath.providers.git.errors import GitPathNotFoundError, InvalidRepoUrlError

__all__ = ["push_over_https", "read_folder_over_https"]


def _auth(url: str, username: str, token: str) -> tuple[dict[str, str], list[str]]:
    """git config carrying the token as an Authorization header, and what to redact."""
    if not token:
        return {}, []
    parts = urlsplit(url)
    scope = f"{parts.scheme}://{parts.netloc}/"
    credentials = base64.b64encode(f"{username}:{token}".encode()).decode()
    # Scoped to the host's own URL and passed through the environment, never argv.
    config = {f"http.{scope}.extraHeader": f"Authorization: Basic {credentials}"}
    return config, [token, *config.values()]


def push_over_https(
    source_dir: Path,
    *,
    clone_url: str,
    branch: str,
    message: str,
    author: GitAuthor,
    username: str,
    token: str,
) -> str:
    """Commit ``source_dir`` on top of the remote ``branch`` (if any) and push it; return the sha.

    Works in a throwaway bare repository (the commit is written in-process); the token
    goes in an Authorization header and is redacted from every error.
    """
    from goldpath.providers.git._objects import commit_directory  # dulwich: on first use

    problem = check_branch_name(branch)
    if problem is not None:
        raise InvalidRepoUrlError(
            f"branch {problem}", errors=[FieldError("branch", "pattern", problem)]
        )
    if not source_dir.is_dir():
        raise GitPathNotFoundError(f"source directory {source_dir} does not exist")
    config, secrets = _auth(clone_url, username, token)
    ref = f"refs/heads/{branch}"
    with tempfile.TemporaryDirectory(prefix="goldpath-push-") as scratch:
        git_dir = Path(scratch) / "repo.git"
        run_git(["init", "--quiet", "--bare", git_dir])
        listed = run_git(
            ["--git-dir", git_dir, "ls-remote", clone_url, ref], config=config, secrets=secrets
        )
        parent: str | None = None
        if listed.strip():
            run_git(
                ["--git-dir", git_dir, "fetch", "--quiet", "--depth=1", clone_url, ref],
                config=config,
                secrets=secrets,
            )
            parent = listed.decode().split()[0]
        sha = commit_directory(
            source_dir, git_dir=git_dir, message=message, author=author, parent=parent
        )
        run_git(
            ["--git-dir", git_dir, "push", "--quiet", clone_url, f"{sha}:{ref}"],
            config=config,
            secrets=secrets,
        )
    return sha


def read_folder_over_https(
    clone_url: str, ref_and_path: str, *, url: str, username: str, token: str
) -> dict[str, tuple[bytes, int]]:
    """Every file under ``<ref>/<folder>`` of a remote repository (the ref may hold slashes).

    One ``ls-remote`` finds the longest branch or tag the text starts with; one shallow
    fetch of it into a throwaway bare repository, read in-process. The token goes in an
    Authorization header and is redacted from every error.
    """
    from goldpath.providers.git._objects import read_folder  # dulwich: on first use

    segments = [s for s in ref_and_path.split("/") if s]
    if not segments or any(s in (".", "..") for s in segments):
        raise GitPathNotFoundError(f"{url} names no branch and folder", url=url)
    config, secrets = _auth(clone_url, username, token)
    listed = run_git(
        ["ls-remote", "--heads", "--tags", clone_url], config=config, secrets=secrets
    ).decode("utf-8", "replace")
    refs: dict[str, str] = {}
    for line in listed.splitlines():
        _sha, _, name = line.partition("\t")
        for prefix in ("refs/heads/", "refs/tags/"):
            if name.startswith(prefix) and not name.endswith("^{}"):
                refs.setdefault(name[len(prefix) :], name)
    found = split_known_ref(ref_and_path, refs)
    if found is None:
        raise GitPathNotFoundError(f"{url}: the repository has no branch or tag {segments[0]!r}")
    ref, folder = found
    with tempfile.TemporaryDirectory(prefix="goldpath-fetch-") as scratch:
        git_dir = Path(scratch) / "repo.git"
        run_git(["init", "--quiet", "--bare", git_dir])
        run_git(
            ["--git-dir", git_dir, "fetch", "--quiet", "--depth=1", clone_url, refs[ref]],
            config=config,
            secrets=secrets,
        )
        sha = run_git(["--git-dir", git_dir, "rev-parse", "FETCH_HEAD^{commit}"]).decode().strip()
        try:
            return read_folder(git_dir, sha, folder)
        except GitPathNotFoundError as exc:
            raise GitPathNotFoundError(f"{url}: {exc.message}", url=url) from exc
