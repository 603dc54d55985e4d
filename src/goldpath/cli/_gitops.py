"""``goldpath gitops ...`` and ``goldpath validate PATH``: render, validate, deploy via git."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from goldpath.cli._context import cli_context, fleet_of
from goldpath.cli._errors import run_guarded
from goldpath.cli._permissions import cli_authorize, cli_subject
from goldpath.trees import write_tree

if TYPE_CHECKING:
    from goldpath.gitops import ValidationReport

# goldpath.gitops (Grafana SDK, schemas, kubernetes-validate) is imported inside each
# command: every `goldpath` invocation, `serve` included, would pay for it otherwise.

__all__ = ["gitops_app", "validate_command"]

gitops_app = typer.Typer(
    help="Render, validate and deploy through the GitOps repositories.", no_args_is_help=True
)
console = Console(highlight=False, soft_wrap=True)


def _print_report(title: str, report: ValidationReport) -> None:
    if report.ok:
        checked = ", ".join(report.checked)
        console.print(f"[green]ok[/] {title}: {report.objects} objects, {checked}")
    else:
        console.print(f"[bold red]FAILED[/] {title}: {len(report.findings)} finding(s)")
        for finding in report.failures:
            console.print(f"  [red]-[/] {finding}", markup=False)
    for skipped in report.skipped:
        console.print(f"  [yellow]skipped[/] {skipped}")


def _app_repo(ctx: typer.Context, app: str, repo: str | None) -> str:
    from goldpath.gitops.errors import GitopsRepoNotFoundError

    if repo:
        return repo
    settings = cli_context(ctx).settings
    path = settings.git_root / settings.platform.gitops_group / f"{app}.git"
    if not path.exists():
        raise GitopsRepoNotFoundError(
            f"no GitOps repository for {app!r} at {path}; pass --repo", app=app
        )
    return str(path)


@gitops_app.command("platform")
def platform_command(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", help="Folder to write the manifests into.")],
    repo_url: Annotated[
        str | None,
        typer.Option(
            "--repo-url",
            help="Render the whole platform GitOps repo (bootstrap app-of-apps, repo "
            "credentials, monitoring) for this clone URL of it.",
        ),
    ] = None,
) -> None:
    """Render the platform-wide manifests (cluster roles, namespaces, policies, secret store)."""
    from goldpath.gitops import PlatformSpec, render_platform, render_platform_repo, validate_tree

    def run() -> None:
        settings = cli_context(ctx).settings
        platform = PlatformSpec.from_settings(settings)
        files = (
            render_platform(platform)
            if repo_url is None
            else render_platform_repo(platform, repo_url=repo_url)
        )
        report = validate_tree(
            files,
            kubernetes_version=platform.kubernetes_version,
            tmp_root=settings.scratch_root,
            secrets_prefix=platform.secrets_prefix,
        )
        report.raise_for_failures("the platform manifests")
        write_tree(out, files)
        console.print(f"[green]wrote[/] {len(files)} files under {out}")

    run_guarded(run)


@gitops_app.command("set-image")
def set_image_command(
    ctx: typer.Context,
    app: Annotated[str, typer.Argument(help="The app's name.")],
    tag: Annotated[str, typer.Argument(help="The image tag to deploy (e.g. the commit SHA).")],
    repo: Annotated[
        str | None,
        typer.Option("--repo", help="GitOps repo: a working tree, a bare repo or a clone URL."),
    ] = None,
    env: Annotated[
        str | None, typer.Option("--env", help="Overlay to change (default: the first, or base).")
    ] = None,
) -> None:
    r"""Set the app's image tag, validate and commit with \[skip ci]; nothing if unchanged."""
    from goldpath.gitops import set_image

    def run() -> None:
        cli_authorize(ctx, "git.gitops.push")
        sha = set_image(
            _app_repo(ctx, app, repo),
            app,
            tag,
            environment=env,
            tmp_root=cli_context(ctx).settings.scratch_root,
            secrets_prefix=cli_context(ctx).settings.platform.secrets_prefix,
        )
        if sha is None:
            console.print(f"{app} already deploys {tag}; nothing to commit")
        else:
            console.print(f"[green]committed[/] {sha[:12]}: {app} -> {tag}")

    run_guarded(run)


def _repos(ctx: typer.Context) -> list[Path]:
    from goldpath.gitops import list_local_repos

    settings = cli_context(ctx).settings
    return list_local_repos(settings.git_root, settings.platform.gitops_group)


@gitops_app.command("render-all")
def render_all_command(
    ctx: typer.Context,
    check: Annotated[
        bool,
        typer.Option("--check", help="Report only: print the diff, exit 1 when a repo differs."),
    ] = False,
    direct: Annotated[
        bool,
        typer.Option(
            "--direct", help="Commit straight to the default branch (bootstrap), no merge request."
        ),
    ] = False,
) -> None:
    """Re-render every app's GitOps repo with today's renderer and policies.

    Each repo that differs gets a merge request (one per render: running it again opens
    nothing new); --direct commits instead, --check prints the diff and exits 1.
    """
    from goldpath.gitops import PlatformSpec, rerender, rerender_tree

    def run() -> None:
        settings = cli_context(ctx).settings
        if not check:
            cli_authorize(ctx, "git.gitops.push")
        platform = PlatformSpec.from_settings(settings)
        failed = differing = 0
        repos = _repos(ctx)
        for path in repos:
            if direct and not check:
                app, report, changed = rerender(path, platform, tmp_root=settings.scratch_root)
                _print_report(app, report)
                failed += 0 if report.ok else 1
                if changed:
                    console.print(f"  [cyan]updated[/] {app}")
                continue
            result = rerender_tree(path, platform, tmp_root=settings.scratch_root)
            _print_report(result.app, result.report)
            failed += 0 if result.report.ok else 1
            if not result.changed:
                continue
            differing += 1
            if check:
                console.print(f"  [yellow]differs from its render[/] {result.app}")
                typer.echo(result.diff, nl=False)
            elif result.report.ok:
                _propose(ctx, result.app, result.files, result.diff)
        summary = f"{len(repos)} repo(s), {failed} failing"
        console.print(summary + (f", {differing} differing from their render" if check else ""))
        if failed or (check and differing):
            raise typer.Exit(1)

    run_guarded(run)


def _propose(ctx: typer.Context, app: str, files: Mapping[PurePosixPath, str], diff: str) -> None:
    mr, new = fleet_of(ctx).propose_gitops_render(
        app=app, files=files, diff=diff, author=cli_subject(ctx).user_ref
    )
    if new:
        console.print(f"  [cyan]merge request #{mr.id}[/] {app}: {mr.source_branch}")
    else:
        console.print(
            f"  merge request #{mr.id} ({mr.status.value}) already proposes {app}'s render"
        )


@gitops_app.command("validate-all")
def validate_all_command(ctx: typer.Context) -> None:
    """Validate every app's GitOps repo; exit 1 when any fails."""
    from goldpath.gitops import validate_repo

    def run() -> None:
        version = cli_context(ctx).settings.platform.kubernetes_version
        failed = 0
        repos = _repos(ctx)
        for path in repos:
            report = validate_repo(
                path,
                kubernetes_version=version,
                tmp_root=cli_context(ctx).settings.scratch_root,
                secrets_prefix=cli_context(ctx).settings.platform.secrets_prefix,
            )
            _print_report(path.name.removesuffix(".git"), report)
            failed += 0 if report.ok else 1
        console.print(f"{len(repos)} repo(s), {failed} failing")
        if failed:
            raise typer.Exit(1)

    run_guarded(run)


def validate_command(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="A GitOps tree (folder) or one manifest.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Validate manifests: Kubernetes schemas, CRD schemas, policies, promtool, kustomize."""
    from goldpath.gitops import read_tree, validate_tree
    from goldpath.gitops.errors import GitopsRepoNotFoundError

    def run() -> None:
        if not path.exists():
            raise GitopsRepoNotFoundError(f"{path} does not exist", path=str(path))
        if path.is_dir():
            files = read_tree(path)
        else:
            files = {PurePosixPath(path.name): path.read_text(encoding="utf-8")}
        version = cli_context(ctx).settings.platform.kubernetes_version
        report = validate_tree(
            files,
            kubernetes_version=version,
            tmp_root=cli_context(ctx).settings.scratch_root,
            secrets_prefix=cli_context(ctx).settings.platform.secrets_prefix,
        )
        if as_json:
            typer.echo(json.dumps(report.as_dict(), indent=2))
        else:
            _print_report(str(path), report)
        if not report.ok:
            raise typer.Exit(1)

    run_guarded(run)
