"""What GitLab and GitHub have in common: pushing over HTTPS with the token in a header."""

from __future__ import annotations

import base64
from pathlib import Path
from urllib.parse import urlsplit

from goldpath.errors import FieldError
from goldpath.providers.git._cli import GitAuthor, check_branch_name
from goldpath.providers.git._protocol import TransportAuth
from goldpath.providers.git._repository import Repository
from goldpath.providers.git._url import split_known_ref
from goldpath.providers.git.errors import GitPathNotFoundError, InvalidRepoUrlError
from goldpath.scratch import scratch_dir

__all__ = ["https_auth", "push_over_https", "read_folder_over_https", "transport_auth"]


def transport_auth(url: str, username: str, token: str) -> TransportAuth:
    """The `TransportAuth` for ``url``'s host with ``token`` (none without a token)."""
    config, secrets = https_auth(url, username, token)
    return TransportAuth(config=config, secrets=tuple(secrets))


def https_auth(url: str, username: str, token: str) -> tuple[dict[str, str], list[str]]:
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
    tmp_root: Path | None = None,
) -> str:
    """Commit ``source_dir`` on top of the remote ``branch`` (if any) and push it; return the sha.

    Works in a throwaway bare repository (the commit is written in-process); the token
    goes in an Authorization header and is redacted from every error.
    """
    problem = check_branch_name(branch)
    if problem is not None:
        raise InvalidRepoUrlError(
            f"branch {problem}", errors=[FieldError("branch", "pattern", problem)]
        )
    if not source_dir.is_dir():
        raise GitPathNotFoundError(f"source directory {source_dir} does not exist")
    config, secrets = https_auth(clone_url, username, token)
    ref = f"refs/heads/{branch}"
    with scratch_dir(tmp_root, prefix="push-") as scratch:
        repo = Repository.init_bare(scratch / "repo.git")
        listed = repo.ls_remote(clone_url, ref, config=config, secrets=secrets)
        parent: str | None = None
        if ref in listed:
            parent = repo.fetch(clone_url, ref, depth=1, config=config, secrets=secrets)
        sha = repo.commit_directory(source_dir, message=message, author=author, parent=parent)
        repo.push(clone_url, f"{sha}:{ref}", config=config, secrets=secrets)
    return sha


def read_folder_over_https(
    clone_url: str,
    ref_and_path: str,
    *,
    url: str,
    username: str,
    token: str,
    tmp_root: Path | None = None,
) -> dict[str, tuple[bytes, int]]:
    """Every file under ``<ref>/<folder>`` of a remote repository (the ref may hold slashes).

    One ``ls-remote`` finds the longest branch or tag the text starts with; one shallow
    fetch of it into a throwaway bare repository, read in-process. The token goes in an
    Authorization header and is redacted from every error.
    """
    segments = [s for s in ref_and_path.split("/") if s]
    if not segments or any(s in (".", "..") for s in segments):
        raise GitPathNotFoundError(f"{url} names no branch and folder", url=url)
    config, secrets = https_auth(clone_url, username, token)
    with scratch_dir(tmp_root, prefix="fetch-") as scratch:
        repo = Repository.init_bare(scratch / "repo.git")
        listed = repo.ls_remote(clone_url, branches_and_tags=True, config=config, secrets=secrets)
        refs: dict[str, str] = {}
        for name in listed:
            for prefix in ("refs/heads/", "refs/tags/"):
                if name.startswith(prefix):
                    refs.setdefault(name[len(prefix) :], name)
        found = split_known_ref(ref_and_path, refs)
        if found is None:
            raise GitPathNotFoundError(
                f"{url}: the repository has no branch or tag {segments[0]!r}"
            )
        ref, folder = found
        sha = repo.fetch(clone_url, refs[ref], depth=1, config=config, secrets=secrets)
        try:
            return repo.read_folder(sha, folder)
        except GitPathNotFoundError as exc:
            raise GitPathNotFoundError(f"{url}: {exc.message}", url=url) from exc
