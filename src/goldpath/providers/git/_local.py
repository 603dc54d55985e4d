"""The embedded git host: real bare repositories under ``settings.git_root``.

Every read and write goes through `Repository` (in-process, dulwich), which imports
dulwich with the first repository operation rather than at portal start-up.
"""

from __future__ import annotations

import errno
import logging
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from goldpath.errors import FieldError
from goldpath.providers.git._cli import EMPTY_SHA, GitAuthor, check_branch_name
from goldpath.providers.git._merge import MergeOutcome, merge_branch, merge_conflicts
from goldpath.providers.git._protocol import (
    GitHostKind,
    NewRepo,
    RepoInfo,
    TransportAuth,
    Visibility,
)
from goldpath.providers.git._repository import Repository
from goldpath.providers.git._url import (
    check_owner,
    check_repo_name,
    checked_repo_name,
    normalise_repo_name,
    split_known_ref,
)
from goldpath.providers.git.errors import (
    BranchMovedError,
    GitPathNotFoundError,
    InvalidRepoUrlError,
    RepoExistsError,
    RepoNotFoundError,
)
from goldpath.scratch import process_scratch

__all__ = ["LocalFileRef", "LocalGitHost"]

log = logging.getLogger(__name__)

_ID_KEY = ("goldpath", "repoid")  # [goldpath] repoid = <id>
_SHA = re.compile(r"^[0-9a-f]{7,40}$")
_CREATE_ATTEMPTS = 5


@dataclass(frozen=True, slots=True)
class LocalFileRef:
    """A file addressed by a contents URL: repository, ref (branch, tag or sha) and path."""

    owner: str
    repo: str
    ref: str
    path: str


def _check_names(owner: str, repo: str) -> str:
    return checked_repo_name(owner, repo)


class LocalGitHost:
    """Bare repositories at ``root/<owner>/<repo>.git``, published at ``{public_url}/git/``.

    Also the catalog's UrlReader for its own contents URLs: it reads the bare repository
    directly, with no HTTP round trip.
    """

    def __init__(self, root: Path, public_url: str, *, tmp_root: Path | None = None) -> None:
        self.root = root.absolute()
        # Repositories are built and deleted in a scratch folder that must share the
        # root's file system (rename(2)); start-up sweeps what a killed process left.
        self.tmp_root = (tmp_root or self.root / ".tmp").absolute()
        self.public_url = public_url.rstrip("/")
        self._base = f"{self.public_url}/git"

    @property
    def kind(self) -> GitHostKind:
        """Always ``local``."""
        return "local"

    @property
    def host(self) -> str:
        """The portal's host (where the repositories are served)."""
        return urlsplit(self.public_url).netloc or "local"

    # -- paths and URLs -------------------------------------------------------------------

    def repo_path(self, owner: str, repo: str) -> Path:
        """The bare repository's directory (validated names only)."""
        repo = _check_names(owner, repo)
        return self.root.joinpath(*owner.split("/"), f"{repo}.git")

    def clone_url(self, owner: str, repo: str) -> str:
        """``{public_url}/git/<owner>/<repo>.git`` (git's smart HTTP)."""
        repo = _check_names(owner, repo)
        return f"{self._base}/{owner}/{repo}.git"

    def transport_auth(self) -> TransportAuth:
        """Nothing: goldpath reaches its own repositories on disk."""
        return TransportAuth()

    def web_url(self, owner: str, repo: str) -> str:
        """``{public_url}/git/<owner>/<repo>`` (a plain listing of the default branch)."""
        repo = _check_names(owner, repo)
        return f"{self._base}/{owner}/{repo}"

    def contents_url(self, owner: str, repo: str, branch: str) -> str:
        """``{public_url}/git/<owner>/<repo>/-/blob/<branch>``, GitLab's shape."""
        return f"{self.web_url(owner, repo)}/-/blob/{quote(branch, safe='/')}"

    # -- repositories -----------------------------------------------------------------------

    def _is_repo(self, path: Path) -> bool:
        return (path / "HEAD").is_file() and (path / "objects").is_dir()

    def repo_exists(self, owner: str, repo: str) -> bool:
        """Whether ``root/<owner>/<repo>.git`` is a repository."""
        return self._is_repo(self.repo_path(owner, repo))

    def _repo_id(self, path: Path) -> str:
        return Repository(path).config_value(*_ID_KEY) or ""

    def _default_branch(self, path: Path) -> str:
        return Repository(path).head_branch()

    def _info(self, owner: str, repo: str, path: Path, repo_id: str) -> RepoInfo:
        return RepoInfo(
            host=self.host,
            owner=owner,
            name=repo,
            id=repo_id,
            clone_url=self.clone_url(owner, repo),
            web_url=self.web_url(owner, repo),
            default_branch=self._default_branch(path),
        )

    def get_repo(self, owner: str, repo: str) -> RepoInfo:
        """The repository's facts; RepoNotFoundError when absent."""
        repo = _check_names(owner, repo)
        path = self.repo_path(owner, repo)
        if not self._is_repo(path):
            raise RepoNotFoundError(f"no repository {owner}/{repo}", owner=owner, repo=repo)
        return self._info(owner, repo, path, self._repo_id(path))

    def create_repo(
        self,
        owner: str,
        repo: str,
        *,
        description: str = "",
        default_branch: str = "main",
        visibility: Visibility = "private",
    ) -> RepoInfo:
        """Create an empty bare repository atomically (built aside, then renamed in place).

        Of any number of concurrent creates of one repository exactly one succeeds; the
        others get RepoExistsError and never touch the winner's repository. Every local
        repository can be cloned by anyone who may reach the portal's ``/git/``, whatever
        ``visibility`` says; pushes go through ``goldpath.gitserver``'s rules.
        """
        with self._staging(owner, repo, default_branch, description) as (staged, final, repo_id):
            self._move_into_place(staged, final, owner=owner, repo=repo)
        log.info("created local repository %s/%s", owner, repo)
        return self._info(owner, repo, final, repo_id)

    def stage_repo(self, new: NewRepo) -> LocalStagedRepo:
        """``new`` built whole (first commit, branch) in a scratch folder; its `publish`
        renames it into place. RepoExistsError now if the name is taken."""
        stack = ExitStack()
        staged, final, repo_id = stack.enter_context(
            self._staging(new.owner, new.name, new.default_branch, new.description)
        )
        try:
            git = Repository(staged)
            sha = git.commit_files(new.files, message=new.message, author=new.author,
                                   parent=None)
            assert sha is not None  # the first commit always writes
            git.update_branch(f"refs/heads/{new.default_branch}", sha, expected=None)
        except BaseException:
            stack.close()
            raise
        return LocalStagedRepo(self, new, staged=staged, final=final, repo_id=repo_id, sha=sha,
                               cleanup=stack)

    @contextmanager
    def _staging(
        self, owner: str, repo: str, default_branch: str, description: str
    ) -> Iterator[tuple[Path, Path, str]]:
        """An empty bare repository in a scratch folder, its final place and its id; the
        scratch folder goes when the block ends (after a rename, there is nothing left)."""
        repo = _check_names(owner, repo)
        problem = check_branch_name(default_branch)
        if problem is not None:
            raise InvalidRepoUrlError(
                f"defaultBranch {problem}",
                errors=[FieldError("defaultBranch", "pattern", problem)],
            )
        final = self.repo_path(owner, repo)
        if self._is_repo(final):
            raise RepoExistsError(
                f"repository {owner}/{repo} already exists", owner=owner, repo=repo
            )
        staged = Path(tempfile.mkdtemp(prefix="create-", dir=process_scratch(self.tmp_root)))
        repo_id = uuid.uuid4().hex
        try:
            Repository.init_bare(
                staged,
                default_branch=default_branch,
                config={_ID_KEY[0]: {_ID_KEY[1]: repo_id}},
            )
            (staged / "description").write_text(
                (description.replace("\n", " ").strip() or f"{owner}/{repo}") + "\n",
                encoding="utf-8",
            )
            yield staged, final, repo_id
        finally:
            if staged.exists():
                shutil.rmtree(staged, ignore_errors=True)

    def _move_into_place(self, staged: Path, final: Path, *, owner: str, repo: str) -> None:
        for _ in range(_CREATE_ATTEMPTS):
            final.parent.mkdir(parents=True, exist_ok=True)
            try:
                # rename(2) onto a non-empty directory fails: the existing repo wins, intact.
                os.rename(staged, final)
                return
            except FileNotFoundError:
                continue  # a concurrent delete removed the now-empty owner folder; retry
            except OSError as exc:
                if exc.errno in (errno.ENOTEMPTY, errno.EEXIST):
                    raise RepoExistsError(
                        f"repository {owner}/{repo} already exists", owner=owner, repo=repo
                    ) from exc
                raise
        raise RepoExistsError(
            f"repository {owner}/{repo} could not be created: its folder keeps changing",
            owner=owner,
            repo=repo,
        )

    def delete_repo(self, owner: str, repo: str, *, repo_id: str | None = None) -> None:
        """Delete the repository; with ``repo_id``, only if it is still that repository."""
        repo = _check_names(owner, repo)
        path = self.repo_path(owner, repo)
        if not self._is_repo(path):
            raise RepoNotFoundError(f"no repository {owner}/{repo}", owner=owner, repo=repo)
        if repo_id is not None and self._repo_id(path) != repo_id:
            raise RepoNotFoundError(
                f"repository {owner}/{repo} is no longer the one created (id {repo_id}); "
                "left untouched",
                owner=owner,
                repo=repo,
            )
        doomed = process_scratch(self.tmp_root) / f"deleted-{uuid.uuid4().hex}"
        try:
            os.rename(path, doomed)  # atomic: the name is free the moment this returns
        except FileNotFoundError as exc:
            raise RepoNotFoundError(
                f"no repository {owner}/{repo}", owner=owner, repo=repo
            ) from exc
        shutil.rmtree(doomed, ignore_errors=True)
        self._prune_empty_owner_dirs(path.parent)
        log.info("deleted local repository %s/%s", owner, repo)

    def _prune_empty_owner_dirs(self, folder: Path) -> None:
        while folder != self.root and self.root in folder.parents:
            try:
                folder.rmdir()
            except OSError:
                return
            folder = folder.parent

    def list_repos(self) -> list[tuple[str, str]]:
        """Every repository as ``(owner, repo)``, sorted."""
        found: list[tuple[str, str]] = []
        for folder, subfolders, _files in os.walk(self.root):
            here = Path(folder)
            keep = []
            for name in subfolders:
                if name.startswith("."):
                    continue  # .tmp and .trash hold no published repositories
                if name.endswith(".git") and self._is_repo(here / name):
                    owner = here.relative_to(self.root).as_posix()
                    if owner != ".":
                        found.append((owner, name[: -len(".git")]))
                    continue  # never walk into a repository's own files
                keep.append(name)
            subfolders[:] = keep
        return sorted(found)

    # -- content ------------------------------------------------------------------------------

    def push(
        self,
        source_dir: Path,
        repo: RepoInfo,
        *,
        branch: str,
        message: str,
        author_name: str,
        author_email: str,
    ) -> str:
        """Commit ``source_dir`` on top of ``branch`` (or as its first commit); return the sha.

        The branch moves with a compare-and-swap, so a concurrent push is refused rather
        than overwritten.
        """
        problem = check_branch_name(branch)
        if problem is not None:
            raise InvalidRepoUrlError(
                f"branch {problem}", errors=[FieldError("branch", "pattern", problem)]
            )
        if not source_dir.is_dir():
            raise GitPathNotFoundError(f"source directory {source_dir} does not exist")
        path = self.repo_path(repo.owner, repo.name)
        if not self._is_repo(path):
            raise RepoNotFoundError(
                f"no repository {repo.full_name}", owner=repo.owner, repo=repo.name
            )
        ref = f"refs/heads/{branch}"
        git = Repository(path)
        parent = git.resolve(ref)
        sha = git.commit_directory(
            source_dir,
            message=message,
            author=GitAuthor(author_name, author_email),
            parent=parent,
        )
        if not git.update_branch(ref, sha, expected=parent):
            raise BranchMovedError(
                f"branch {branch} of {repo.full_name} moved during the push; nothing was "
                "changed, push again",
                owner=repo.owner,
                repo=repo.name,
            )
        return sha

    def refs(self, owner: str, repo: str) -> list[str]:
        """Branch and tag names of the repository."""
        path = self.repo_path(owner, repo)
        if not self._is_repo(path):
            raise RepoNotFoundError(f"no repository {owner}/{repo}", owner=owner, repo=repo)
        names = []
        for name in sorted(Repository(path).refs()):
            for prefix in ("refs/heads/", "refs/tags/"):
                if name.startswith(prefix):
                    names.append(name[len(prefix) :])
        return names

    def split_ref_and_path(self, owner: str, repo: str, ref_and_path: str) -> tuple[str, str]:
        """Split ``<ref>/<path>`` where the ref may itself hold slashes (longest ref wins)."""
        segments = [s for s in ref_and_path.split("/") if s]
        if not segments:
            raise GitPathNotFoundError("no branch given", owner=owner, repo=repo)
        found = split_known_ref(ref_and_path, _RefNames(self._existing(owner, repo)))
        if found is not None:
            return found
        if _SHA.match(segments[0]):
            return segments[0], "/".join(segments[1:])
        raise GitPathNotFoundError(
            f"repository {owner}/{repo} has no branch {segments[0]!r}", owner=owner, repo=repo
        )

    def _revision(self, git_dir: Path, owner: str, repo: str, ref: str) -> str:
        """A branch or tag name, or a sha, as a full ref name or a full commit sha."""
        git = Repository(git_dir)
        refs = git.refs()
        for full in (f"refs/heads/{ref}", f"refs/tags/{ref}"):
            if full in refs:
                return full
        if _SHA.match(ref):
            if len(ref) == len(EMPTY_SHA):
                return ref
            expanded = git.expand_sha(ref)  # an abbreviated sha: unique, or not at all
            if expanded is not None:
                return expanded
        raise GitPathNotFoundError(f"no branch {ref!r}", owner=owner, repo=repo)

    def read_file(self, owner: str, repo: str, ref: str, path: str) -> bytes:
        """The bytes of ``path`` at ``ref``; GitPathNotFoundError when there is no such file."""
        repo = _check_names(owner, repo)
        git_dir = self.repo_path(owner, repo)
        if not self._is_repo(git_dir):
            raise RepoNotFoundError(f"no repository {owner}/{repo}", owner=owner, repo=repo)
        clean = "/".join(s for s in path.split("/") if s)
        if (
            not clean
            or any(s in (".", "..") for s in clean.split("/"))
            or any(ord(ch) < 32 for ch in clean)
        ):
            raise GitPathNotFoundError(f"no file {path!r}", owner=owner, repo=repo)
        revision = self._revision(git_dir, owner, repo, ref)
        try:
            return Repository(git_dir).read_blob(revision, clean)
        except GitPathNotFoundError as exc:
            raise GitPathNotFoundError(
                f"{clean} at {ref} in {owner}/{repo}: {exc.message}", owner=owner, repo=repo
            ) from exc

    def list_files(self, owner: str, repo: str, ref: str) -> list[str]:
        """Every file path at ``ref`` (empty for a repository with no commits)."""
        git_dir = self.repo_path(owner, repo)
        if not self._is_repo(git_dir):
            raise RepoNotFoundError(f"no repository {owner}/{repo}", owner=owner, repo=repo)
        git = Repository(git_dir)
        if git.resolve(f"refs/heads/{ref}") is None:
            return []
        return git.list_paths(f"refs/heads/{ref}")

    # -- branches and merges -------------------------------------------------------------------

    def _existing(self, owner: str, repo: str) -> Repository:
        path = self.repo_path(owner, repo)
        if not self._is_repo(path):
            raise RepoNotFoundError(f"no repository {owner}/{repo}", owner=owner, repo=repo)
        return Repository(path)

    def branch_sha(self, owner: str, repo: str, branch: str) -> str | None:
        """The commit ``branch`` points at, or None when there is no such branch."""
        return self._existing(owner, repo).resolve(f"refs/heads/{branch}")

    def create_branch(self, owner: str, repo: str, branch: str, *, start: str) -> str:
        """A new branch at the tip of branch ``start``; return its sha.

        BranchMovedError when ``branch`` already exists (it is left as it is).
        """
        problem = check_branch_name(branch)
        if problem is not None:
            raise InvalidRepoUrlError(
                f"branch {problem}", errors=[FieldError("branch", "pattern", problem)]
            )
        git = self._existing(owner, repo)
        sha = git.resolve(f"refs/heads/{start}")
        if sha is None:
            raise GitPathNotFoundError(
                f"{owner}/{repo} has no branch {start!r}", owner=owner, repo=repo
            )
        if not git.update_branch(f"refs/heads/{branch}", sha, expected=None):
            raise BranchMovedError(
                f"{owner}/{repo} already has a branch {branch!r}", owner=owner, repo=repo
            )
        return sha

    def delete_branch(self, owner: str, repo: str, branch: str) -> None:
        """Remove ``branch`` (nothing happens when there is none)."""
        git = self._existing(owner, repo)
        sha = git.resolve(f"refs/heads/{branch}")
        if sha is not None:
            git.delete_branch(f"refs/heads/{branch}", expected=sha)

    def merge_branches(
        self, owner: str, repo: str, *, source: str, target: str, message: str, author: GitAuthor
    ) -> MergeOutcome:
        """Merge ``source`` into ``target`` (fast-forward, else a merge commit)."""
        return merge_branch(
            self._existing(owner, repo),
            source=source,
            target=target,
            message=message,
            author=author,
        )

    def branch_conflicts(self, owner: str, repo: str, *, source: str, target: str) -> list[str]:
        """The files merging ``source`` into ``target`` would conflict on."""
        return merge_conflicts(self._existing(owner, repo), source=source, target=target)

    def diff_branches(self, owner: str, repo: str, *, source: str, target: str) -> str:
        """The unified diff of what ``source`` changes since it left ``target``."""
        git = self._existing(owner, repo)
        for branch in (source, target):
            if git.resolve(f"refs/heads/{branch}") is None:
                raise GitPathNotFoundError(
                    f"{owner}/{repo} has no branch {branch!r}", owner=owner, repo=repo
                )
        return git.diff(f"refs/heads/{target}", f"refs/heads/{source}")

    # -- the catalog's UrlReader ------------------------------------------------------------

    def parse_contents_url(self, url: str) -> LocalFileRef | None:
        """The file or folder a ``/-/blob/``, ``/-/raw/`` or ``/-/tree/`` URL of this host
        names, else None."""
        if not url.startswith(self._base + "/"):
            return None
        rest = urlsplit(url).path
        base_path = urlsplit(self._base).path
        rest = unquote(rest[len(base_path) + 1 :])
        repo_part, sep, tail = rest.partition("/-/")
        if not sep:
            return None
        mode, _, ref_and_path = tail.partition("/")
        if mode not in ("blob", "raw", "tree") or "/" not in repo_part:
            return None
        owner, _, repo = repo_part.rpartition("/")
        if check_owner(owner) or check_repo_name(normalise_repo_name(repo)):
            return None
        ref, path = self.split_ref_and_path(owner, normalise_repo_name(repo), ref_and_path)
        return LocalFileRef(owner=owner, repo=normalise_repo_name(repo), ref=ref, path=path)

    def can_read(self, url: str) -> bool:
        """Whether ``url`` is a contents URL of this host."""
        if not url.startswith(self._base + "/"):
            return False
        return "/-/blob/" in url or "/-/raw/" in url

    def read(self, url: str) -> bytes:
        """The file a contents URL names, read straight from the bare repository."""
        target = self.parse_contents_url(url)
        if target is None:
            raise GitPathNotFoundError(f"{url} is not a file URL of the local git host", url=url)
        return self.read_file(target.owner, target.repo, target.ref, target.path)

    def can_read_folder(self, url: str) -> bool:
        """Whether ``url`` is a ``/-/tree/`` or ``/-/blob/`` URL of this host."""
        if not url.startswith(self._base + "/"):
            return False
        return "/-/tree/" in url or "/-/blob/" in url

    def pin_folder_url(self, url: str) -> tuple[str, str] | None:
        """``(url at a commit sha, the sha)`` for a folder URL of this host naming a branch
        or tag, so a reader sees one commit throughout; None for URLs of other hosts."""
        if not self.can_read_folder(url):
            return None
        target = self.parse_contents_url(url)
        if target is None:
            return None
        git_dir = self.repo_path(target.owner, target.repo)
        revision = self._revision(git_dir, target.owner, target.repo, target.ref)
        sha = Repository(git_dir).refs().get(revision, revision)
        if not _SHA.match(sha) or len(sha) != len(EMPTY_SHA):
            return None
        folder = quote("/".join(s for s in target.path.split("/") if s), safe="/")
        pinned = f"{self.web_url(target.owner, target.repo)}/-/tree/{sha}"
        return (f"{pinned}/{folder}" if folder else pinned), sha

    def read_folder(self, url: str) -> dict[str, tuple[bytes, int]]:
        """Every file under the folder a ``/-/tree/`` (or ``/-/blob/``) URL names."""
        target = self.parse_contents_url(url)
        if target is None:
            raise GitPathNotFoundError(f"{url} is not a folder URL of the local git host", url=url)
        git_dir = self.repo_path(target.owner, target.repo)
        revision = self._revision(git_dir, target.owner, target.repo, target.ref)
        folder = "/".join(s for s in target.path.split("/") if s)
        try:
            return Repository(git_dir).read_folder(revision, folder)
        except GitPathNotFoundError as exc:
            raise GitPathNotFoundError(
                f"{target.owner}/{target.repo}: {exc.message}", url=url
            ) from exc


@dataclass(frozen=True, slots=True)
class _RefNames:
    """The branch and tag names of a repository, as `LocalGitHost.refs` lists them, asked
    one name at a time (a ref file read each) instead of listed whole."""

    git: Repository

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and any(
            self.git.resolve(f"refs/{kind}/{name}") is not None for kind in ("heads", "tags")
        )


class LocalStagedRepo:
    """A local repository built whole aside (made by `LocalGitHost.stage_repo`)."""

    def __init__(
        self, host: LocalGitHost, new: NewRepo, *, staged: Path, final: Path, repo_id: str,
        sha: str, cleanup: ExitStack,
    ) -> None:
        self._host, self._new, self._staged, self._final = host, new, staged, final
        self._repo_id, self._sha, self._cleanup = repo_id, sha, cleanup

    def publish(self, on_created: Callable[[RepoInfo], None]) -> tuple[RepoInfo, str]:
        """Rename it into place (RepoExistsError, theirs untouched, if another create won)."""
        owner, name = self._new.owner, self._new.name
        self._host._move_into_place(self._staged, self._final, owner=owner, repo=name)
        log.info("created local repository %s/%s", owner, name)
        info = self._host._info(owner, name, self._final, self._repo_id)
        on_created(info)
        return info, self._sha

    def close(self) -> None:
        """Remove the scratch repository if it was not published."""
        self._cleanup.close()
