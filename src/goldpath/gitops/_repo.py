"""Operations on GitOps repositories: set an image, promote, re-render, validate.

Not pure: reads and writes working trees and commits with git. Every commit is
preceded by `validate_tree` over the whole resulting tree.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import yaml

from goldpath.errors import FieldError, InvalidInputError
from goldpath.gitops._render import APP_SPEC_FILE, render_app
from goldpath.gitops._report import ValidationReport
from goldpath.gitops._spec import DEFAULT_SECRETS_PREFIX, ENVIRONMENTS, AppSpec, PlatformSpec
from goldpath.gitops._validate import validate_tree
from goldpath.gitops._yaml import dump_yaml
from goldpath.gitops.errors import (
    GitopsError,
    GitopsRepoNotFoundError,
    ImageNotFoundError,
)
from goldpath.providers.git import GitAuthor, Repository
from goldpath.scratch import scratch_dir
from goldpath.trees import write_tree

__all__ = [
    "RENDERED_ROOTS",
    "GitopsWorkspace",
    "gitops_workspace",
    "image_tag",
    "kustomization_for",
    "list_local_repos",
    "promote",
    "read_tree",
    "rerender",
    "set_image",
    "validate_repo",
]

RENDERED_ROOTS = ("argocd", "base", "dashboards", "iam", "overlays")
GIT_AUTHOR = GitAuthor("goldpath", "goldpath@localhost")
_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")


@dataclass(frozen=True, slots=True)
class GitopsWorkspace:
    """A working tree of a GitOps repo; ``push`` when it is a temporary clone."""

    path: Path
    push: bool
    git_config: tuple[tuple[str, str], ...] = ()
    secrets: tuple[str, ...] = ()

    @property
    def repository(self) -> Repository:
        """The working tree's repository."""
        return Repository(self.path)


def _is_work_tree(path: Path) -> bool:
    return (path / ".git").exists() and not path.name.endswith(".git")


@contextmanager
def gitops_workspace(
    repo: str | Path,
    *,
    tmp_root: Path | None = None,
    credentials: tuple[Mapping[str, str], Sequence[str]] = ({}, ()),
) -> Iterator[GitopsWorkspace]:
    """A working tree for ``repo``: the tree itself, or a temporary clone of a URL/bare repo.

    A clone lives in a scratch folder under ``tmp_root`` (``settings.tmp_root``).
    ``credentials`` (git config, values to redact) authenticate the clone and the push,
    as a git host's ``git_credentials()`` gives them.
    """
    config, secrets = dict(credentials[0]), tuple(credentials[1])
    local = Path(repo)
    if _is_work_tree(local):
        yield GitopsWorkspace(path=local, push=False)
        return
    if "://" not in str(repo) and not local.exists():
        raise GitopsRepoNotFoundError(f"no GitOps repository at {repo}", repo=str(repo))
    with scratch_dir(tmp_root, prefix="gitops-") as scratch:
        workdir = scratch / "repo"
        Repository.clone(str(repo), workdir, config=config or None, secrets=secrets)
        yield GitopsWorkspace(
            path=workdir, push=True, git_config=tuple(config.items()), secrets=secrets
        )


def _commit(ws: GitopsWorkspace, message: str) -> str | None:
    """Commit the working tree (push a clone back); the sha, or None when nothing changed."""
    repository = ws.repository
    sha = repository.commit_worktree(message, author=GIT_AUTHOR)
    if sha is not None and ws.push:
        repository.push(
            "origin",
            f"HEAD:{repository.head_branch()}",
            config=dict(ws.git_config) or None,
            secrets=ws.secrets,
        )
    return sha


def read_tree(root: Path) -> dict[PurePosixPath, str]:
    """Every text file of a working tree (``.git`` excluded), by relative path."""
    files: dict[PurePosixPath, str] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if ".git" in rel.parts or not path.is_file():
            continue
        try:
            files[PurePosixPath(*rel.parts)] = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
    return files


def list_local_repos(git_root: Path, group: str) -> list[Path]:
    """The bare repositories of the apps in the GitOps group on the local git host."""
    from goldpath.gitops._platform_repo import PLATFORM_REPO

    folder = git_root / group
    if not folder.is_dir():
        return []
    # The platform repo lives in the same group but is no app's repo.
    return sorted(
        p for p in folder.glob("*.git") if p.is_dir() and p.name != f"{PLATFORM_REPO}.git"
    )


def kustomization_for(root: Path, environment: str | None) -> Path:
    """The kustomization holding the image tag of an environment (base without overlays)."""
    overlays = [env for env in ENVIRONMENTS if (root / "overlays" / env).is_dir()]
    if environment is None:
        environment = overlays[0] if overlays else None
    if environment is None:
        path = root / "base" / "kustomization.yaml"
    else:
        if environment not in overlays:
            have = ", ".join(overlays) or "none"
            raise GitopsRepoNotFoundError(
                f"the repo has no overlay {environment!r} (it has: {have})",
                environment=environment,
            )
        path = root / "overlays" / environment / "kustomization.yaml"
    if not path.is_file():
        raise GitopsRepoNotFoundError(f"{path.relative_to(root)} is missing", path=str(path))
    return path


def _image_entry(doc: dict[str, object], app: str, path: Path) -> dict[str, object]:
    images = doc.get("images")
    if isinstance(images, list):
        for entry in images:
            if isinstance(entry, dict) and str(entry.get("name", "")).rsplit("/", 1)[-1] == app:
                return entry
    raise ImageNotFoundError(f"{path.name} has no image entry for {app!r}", app=app)


def _load(path: Path) -> dict[str, object]:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(doc, dict):
        raise GitopsError(f"{path} is not a kustomization mapping", path=str(path))
    return doc


def image_tag(root: Path, app: str, environment: str | None = None) -> str:
    """The image tag an environment (or the base) currently deploys."""
    path = kustomization_for(root, environment)
    return str(_image_entry(_load(path), app, path).get("newTag", ""))


def _write_tag(root: Path, app: str, tag: str, environment: str | None) -> bool:
    if not _TAG.match(tag):
        raise InvalidInputError(
            f"{tag!r} is not a valid image tag",
            errors=[FieldError(field="tag", rule="docker-tag",
                               message="letters, digits, '_', '.', '-'; at most 128")],
        )
    return _write_tag_file(kustomization_for(root, environment), app, tag)


def _write_tag_file(path: Path, app: str, tag: str) -> bool:
    doc = _load(path)
    entry = _image_entry(doc, app, path)
    if entry.get("newTag") == tag:
        return False
    entry["newTag"] = tag
    path.write_text(dump_yaml(doc), encoding="utf-8")
    return True


def _finish(
    ws: GitopsWorkspace,
    message: str,
    kubernetes_version: str,
    tmp_root: Path | None,
    secrets_prefix: str,
) -> str | None:
    report = validate_tree(
        read_tree(ws.path),
        kubernetes_version=kubernetes_version,
        tmp_root=tmp_root,
        secrets_prefix=secrets_prefix,
    )
    report.raise_for_failures("the GitOps repo after the change")
    return _commit(ws, message)


def set_image(
    repo: str | Path,
    app: str,
    tag: str,
    *,
    environment: str | None = None,
    kubernetes_version: str = "1.30",
    tmp_root: Path | None = None,
    secrets_prefix: str = DEFAULT_SECRETS_PREFIX,
) -> str | None:
    """Deploy ``tag``: edit the kustomization's image tag, validate, commit ``[skip ci]``.

    Idempotent: returns None (and commits nothing) when the tag is already set.
    """
    with gitops_workspace(repo, tmp_root=tmp_root) as ws:
        if not _write_tag(ws.path, app, tag, environment):
            return None
        where = environment or _default_target(ws.path)
        message = f"chore({app}): deploy image {tag} to {where} [skip ci]"
        return _finish(ws, message, kubernetes_version, tmp_root, secrets_prefix)


def _default_target(root: Path) -> str:
    overlays = [env for env in ENVIRONMENTS if (root / "overlays" / env).is_dir()]
    return overlays[0] if overlays else "base"


def promote(
    repo: str | Path,
    app: str,
    *,
    source: str,
    target: str,
    kubernetes_version: str = "1.30",
    tmp_root: Path | None = None,
    secrets_prefix: str = DEFAULT_SECRETS_PREFIX,
) -> tuple[str, str | None]:
    """Copy the image tag of overlay ``source`` to ``target`` as one commit.

    Returns the tag and the commit (None when ``target`` already ran that tag).
    """
    if source == target:
        raise InvalidInputError(
            "cannot promote an environment to itself",
            errors=[FieldError(field="to", rule="distinct", message="must differ from --from")],
        )
    with gitops_workspace(repo, tmp_root=tmp_root) as ws:
        tag = image_tag(ws.path, app, source)
        if not _write_tag(ws.path, app, tag, target):
            return tag, None
        message = f"chore({app}): promote {tag} from {source} to {target} [skip ci]"
        return tag, _finish(ws, message, kubernetes_version, tmp_root, secrets_prefix)


def _kustomizations(root: Path) -> list[PurePosixPath]:
    found = [PurePosixPath("base", "kustomization.yaml")]
    found += [PurePosixPath("overlays", env, "kustomization.yaml") for env in ENVIRONMENTS]
    return [p for p in found if root.joinpath(*p.parts).is_file()]


def validate_repo(
    repo: str | Path,
    *,
    kubernetes_version: str = "1.30",
    tmp_root: Path | None = None,
    secrets_prefix: str = DEFAULT_SECRETS_PREFIX,
) -> ValidationReport:
    """Validate a GitOps repo (working tree, bare repo or clone URL) as it is committed."""
    with gitops_workspace(repo, tmp_root=tmp_root) as ws:
        return validate_tree(
            read_tree(ws.path),
            kubernetes_version=kubernetes_version,
            tmp_root=tmp_root,
            secrets_prefix=secrets_prefix,
        )


def _current_tags(root: Path, app: str) -> dict[PurePosixPath, str]:
    tags: dict[PurePosixPath, str] = {}
    for rel in _kustomizations(root):
        path = root.joinpath(*rel.parts)
        try:
            tags[rel] = str(_image_entry(_load(path), app, path).get("newTag"))
        except GitopsError:
            continue
    return tags


def rerender(
    repo: str | Path,
    platform: PlatformSpec,
    *,
    commit: bool = True,
    tmp_root: Path | None = None,
) -> tuple[str, ValidationReport, bool]:
    """Re-render an app's repo from its stored spec with today's renderer and policies.

    Image tags already deployed are kept. Returns the app name, the report and whether
    anything changed; commits (and pushes a clone) only when ``commit`` and valid.
    """
    with gitops_workspace(repo, tmp_root=tmp_root) as ws:
        spec_file = ws.path / APP_SPEC_FILE
        if not spec_file.is_file():
            raise GitopsRepoNotFoundError(
                f"{repo} has no {APP_SPEC_FILE}; it was not rendered by goldpath", repo=str(repo)
            )
        data = yaml.safe_load(spec_file.read_text(encoding="utf-8")) or {}
        spec = AppSpec.model_validate({**data, "platform": platform})
        tags = _current_tags(ws.path, spec.name)
        files = render_app(spec)
        for root_name in RENDERED_ROOTS:
            shutil.rmtree(ws.path / root_name, ignore_errors=True)
        write_tree(ws.path, files)
        for rel, tag in tags.items():
            kustomization = ws.path.joinpath(*rel.parts)
            if kustomization.is_file() and _TAG.match(tag):
                _write_tag_file(kustomization, spec.name, tag)
        report = validate_tree(
            read_tree(ws.path),
            kubernetes_version=platform.kubernetes_version,
            tmp_root=tmp_root,
            secrets_prefix=platform.secrets_prefix,
        )
        if not commit or not report.ok:
            return spec.name, report, False
        sha = _commit(ws, f"chore({spec.name}): re-render GitOps manifests [skip ci]")
        return spec.name, report, sha is not None
