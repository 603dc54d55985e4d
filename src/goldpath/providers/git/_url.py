"""Backstage's repoUrl (``host?owner=o&repo=r``) and the rules for owner and repo names."""

from __future__ import annotations

import re
from collections.abc import Container
from dataclasses import dataclass
from urllib.parse import parse_qs, quote

from goldpath.errors import FieldError
from goldpath.providers.git.errors import GitPathNotFoundError, InvalidRepoUrlError

__all__ = [
    "split_known_ref",
    "checked_repo_name",
    "ref_and_path_splits",
    "RepoUrl",
    "check_owner",
    "check_repo_name",
    "normalise_repo_name",
    "parse_repo_url",
]

# One path segment of an owner (GitLab groups nest: "platform/team") or a repository name.
# Letters, digits, '_', '-', '.'; never starting with '.' or '-' (no hidden or option-like
# paths, no '..'), which also keeps every name a safe directory name on the local host.
_SEGMENT = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,99}$")
_HOST = re.compile(r"^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?(:[0-9]{1,5})?$")
_MAX_OWNER_DEPTH = 20


@dataclass(frozen=True, slots=True)
class RepoUrl:
    """A parsed repoUrl: the host and the repository's owner path and name."""

    host: str
    owner: str
    repo: str

    def __str__(self) -> str:
        return f"{self.host}?owner={quote(self.owner, safe='/')}&repo={quote(self.repo, safe='')}"

    @property
    def full_name(self) -> str:
        """``owner/repo``, the repository's path on its host."""
        return f"{self.owner}/{self.repo}"


def split_known_ref(ref_and_path: str, known: Container[str]) -> tuple[str, str] | None:
    """``(ref, path)`` for the longest ref in ``known`` that ``<ref>/<path>`` starts with
    (a ref may hold slashes), or None when it starts with none of them."""
    segments = [s for s in ref_and_path.split("/") if s]
    for cut in range(len(segments), 0, -1):
        ref = "/".join(segments[:cut])
        if ref in known:
            return ref, "/".join(segments[cut:])
    return None


def ref_and_path_splits(ref_and_path: str, url: str) -> list[tuple[str, str]]:
    """Every ``(ref, path)`` reading of ``<ref>/<path>`` (a ref may hold slashes), shortest
    ref first; GitPathNotFoundError when it names no file or tries to climb out."""
    segments = [s for s in ref_and_path.split("/") if s]
    if len(segments) < 2 or any(s in (".", "..") for s in segments):
        raise GitPathNotFoundError(f"{url} names no file", url=url)
    return [("/".join(segments[:cut]), "/".join(segments[cut:])) for cut in range(1, len(segments))]


def checked_repo_name(
    owner: str, repo: str, *, what: str = "repository", flat_owner: bool = False
) -> str:
    """The normalised repo name when ``owner/repo`` is a valid path; else InvalidRepoUrlError
    naming every problem (``flat_owner``: the host has no nested groups, like GitHub)."""
    repo = normalise_repo_name(repo)
    errors = check_owner(owner) + check_repo_name(repo)
    if flat_owner and "/" in owner:
        errors.append(FieldError("owner", "pattern", f"a {what} owner has no nested groups"))
    if errors:
        raise InvalidRepoUrlError(
            f"{owner}/{repo} is not a valid {what} path: " + "; ".join(e.message for e in errors),
            errors=errors,
        )
    return repo


def normalise_repo_name(name: str) -> str:
    """The repository name without one trailing ``.git`` (``svc.git`` -> ``svc``)."""
    return name[: -len(".git")] if name.endswith(".git") else name


def _segment_problem(segment: str) -> str | None:
    if not segment:
        return "must not be empty"
    if not _SEGMENT.match(segment):
        return (
            f"{segment!r} may hold only letters, digits, '_', '-' and '.', must not start "
            "with '.' or '-', and is at most 100 characters"
        )
    if segment.endswith(".git") or segment.endswith(".atom"):
        return f"{segment!r} must not end in '.git' or '.atom'"
    return None


def check_owner(owner: str, *, field: str = "owner") -> list[FieldError]:
    """Every problem with an owner path (``group`` or ``group/subgroup``), empty when valid."""
    if not owner:
        return [FieldError(field, "required", "the owner is required")]
    segments = owner.split("/")
    if len(segments) > _MAX_OWNER_DEPTH:
        return [FieldError(field, "depth", f"at most {_MAX_OWNER_DEPTH} nested groups")]
    for segment in segments:
        problem = _segment_problem(segment)
        if problem is not None:
            return [FieldError(field, "pattern", f"owner segment {problem}")]
    return []


def check_repo_name(repo: str, *, field: str = "repo") -> list[FieldError]:
    """Every problem with a repository name (already normalised), empty when valid."""
    if not repo:
        return [FieldError(field, "required", "the repository name is required")]
    problem = _segment_problem(repo)
    if problem is not None:
        return [FieldError(field, "pattern", f"repository name {problem}")]
    return []


def _first(values: dict[str, list[str]], key: str) -> str:
    found = values.get(key)
    return found[0].strip() if found else ""


def parse_repo_url(repo_url: str, *, field: str = "repoUrl") -> RepoUrl:
    """Parse Backstage's ``host?owner=o&repo=r`` (``organization`` stands in for a missing owner).

    The repository name loses one trailing ``.git``; the host is lower-cased. Every
    problem is reported at once, naming ``field``.
    """
    text = repo_url.strip()
    if text.startswith("https://") or text.startswith("http://"):
        text = text.split("://", 1)[1]
    host, sep, query = text.partition("?")
    host = host.rstrip("/").lower()
    errors: list[FieldError] = []
    if not sep:
        raise InvalidRepoUrlError(
            f"{field} must look like host?owner=o&repo=r, got {repo_url!r}",
            errors=[FieldError(field, "format", "must look like host?owner=o&repo=r")],
            repo_url=repo_url,
        )
    if not _HOST.match(host):
        errors.append(FieldError(field, "host", f"{host!r} is not a host name"))
    values = parse_qs(query, keep_blank_values=True)
    owner = _first(values, "owner") or _first(values, "organization")
    repo = normalise_repo_name(_first(values, "repo"))
    errors.extend(FieldError(field, e.rule, e.message) for e in check_owner(owner, field="owner"))
    errors.extend(FieldError(field, e.rule, e.message) for e in check_repo_name(repo))
    if errors:
        message = f"{field} {repo_url!r} is not valid: " + "; ".join(e.message for e in errors)
        raise InvalidRepoUrlError(message, errors=errors, repo_url=repo_url)
    return RepoUrl(host=host, owner=owner, repo=repo)
