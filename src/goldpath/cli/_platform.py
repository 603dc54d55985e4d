"""``goldpath platform``: Terraform backend, portal deploy, phase gates, cost, repo split,
pipeline tokens."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from goldpath.cli._context import catalog_of, cli_context, settings_of
from goldpath.cli._errors import run_guarded
from goldpath.cli._permissions import cli_authorize
from goldpath.errors import FieldError, InvalidInputError

if TYPE_CHECKING:
    from goldpath.platform._doctor import CheckOutcome

__all__ = ["platform_app"]

platform_app = typer.Typer(
    help="Operate the platform: state backend, portal deploy, phase gates, cost, repo split, "
    "pipeline tokens.",
    no_args_is_help=True,
)
console = Console(highlight=False, soft_wrap=True)


@platform_app.command("bootstrap-backend")
def bootstrap_backend_command(
    bucket: str = typer.Option(..., help="S3 bucket for Terraform state (globally unique)."),
    table: str = typer.Option(..., help="DynamoDB table for state locks (hash key LockID)."),
    region: str = typer.Option(..., help="AWS region, e.g. us-east-2."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Create or complete the Terraform state bucket and lock table (safe to re-run)."""
    from goldpath.platform import bootstrap_backend

    report = run_guarded(lambda: bootstrap_backend(bucket=bucket, table=table, region=region))
    if as_json:
        typer.echo(json.dumps(report.as_dict(), indent=2))
        return
    made = "created" if report.bucket_created else "already existed; settings enforced"
    console.print(
        f"[green]ok[/] s3://{report.bucket} ({made}): versioning {report.versioning}, "
        f"encryption {report.encryption}, public access blocked, TLS only"
    )
    made = "created" if report.table_created else "already existed"
    console.print(f"[green]ok[/] DynamoDB {report.table} ({made}): hash key {report.lock_key}")
    console.print(
        f'backend.hcl:\n  bucket         = "{report.bucket}"\n  region         = '
        f'"{report.region}"\n  dynamodb_table = "{report.table}"'
    )


@platform_app.command("deploy-portal")
def deploy_portal_command(
    ctx: typer.Context,
    app_repo: str = typer.Option(..., help="Git URL of the goldpath repository to deploy."),
    app_branch: str = typer.Option("main", help="Branch to build."),
    image_tag: str | None = typer.Option(None, help="Image tag (default: the commit SHA)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the plan and manifests only."),
    platform_secret: str = typer.Option(
        "goldpath/platform", help="Secrets Manager secret with the portal's credentials."
    ),
    role_arn: str | None = typer.Option(None, help="IRSA role of the portal (default: derived)."),
    rollout_timeout: int = typer.Option(300, min=30, help="Seconds to wait for the rollout."),
) -> None:
    """Build the portal for linux/amd64, push it to ECR and roll it out on EKS."""
    from goldpath.platform._deploy import (
        DeployOptions,
        EcrRegistry,
        HttpHealthChecker,
        PortalDeployer,
    )
    from goldpath.platform._runner import SubprocessRunner

    def run() -> None:
        if not dry_run:
            cli_authorize(ctx, "platform.operate")
        platform = cli_context(ctx).settings.platform
        deployer = PortalDeployer(
            platform,
            runner=SubprocessRunner(),
            registry=EcrRegistry(
                region=platform.aws_region, endpoint_url=platform.aws_endpoint_url
            ),
            health=HttpHealthChecker(),
            echo=lambda line: console.print(f"[cyan]>[/] {line}"),
        )
        result = deployer.deploy(
            DeployOptions(
                app_repo=app_repo,
                app_branch=app_branch,
                image_tag=image_tag,
                dry_run=dry_run,
                platform_secret=platform_secret,
                role_arn=role_arn,
                rollout_timeout_seconds=rollout_timeout,
            )
        )
        if dry_run:
            console.print(f"[bold]plan[/] (dry run: nothing was changed) for {result.image}")
            for number, step in enumerate(result.plan, 1):
                console.print(f"  {number}. {step}")
            typer.echo(result.manifests)
            return
        console.print(f"[green]ok[/] {result.image} is rolled out and answers /healthz")

    run_guarded(run)


@platform_app.command("doctor")
def doctor_command(
    ctx: typer.Context,
    bucket: str = typer.Option(..., help="Terraform state bucket."),
    table: str = typer.Option(..., help="Terraform lock table."),
    region: str | None = typer.Option(None, help="AWS region (default: platform.aws_region)."),
    cluster: str | None = typer.Option(None, help="EKS cluster (default: platform.cluster_name)."),
    domain: str | None = typer.Option(None, help="Platform domain (default: platform.domain)."),
    portal_url: str | None = typer.Option(
        None, help="Portal URL (default: https://backstage.<domain>)."
    ),
    platform_secret: str = typer.Option("goldpath/platform", help="Secret with the portal's keys."),
    token: str | None = typer.Option(
        None, envvar="GOLDPATH_DOCTOR_TOKEN", help="Personal API token for the smoke Create."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Check the four deployment phases in order; exit 1 at the first failed phase."""
    from goldpath.platform._doctor import DoctorConfig, DohResolver, KubectlCluster, run_doctor
    from goldpath.platform._runner import SubprocessRunner

    def run() -> object:
        platform = cli_context(ctx).settings.platform
        config = DoctorConfig(
            region=region or platform.aws_region,
            state_bucket=bucket,
            lock_table=table,
            cluster_name=cluster or platform.cluster_name,
            domain=domain or platform.domain,
            portal_url=portal_url,
            platform_secret=platform_secret,
            token=token,
            endpoint_url=platform.aws_endpoint_url,
        )
        return run_doctor(
            config, cluster=KubectlCluster(SubprocessRunner()), resolver=DohResolver()
        )

    from goldpath.platform._doctor import DoctorReport

    report = run_guarded(run)
    assert isinstance(report, DoctorReport)
    if as_json:
        typer.echo(json.dumps(report.as_dict(), indent=2))
    else:
        machine_ok = all(check.ok for check in report.machine)
        mark = "[green]passed[/]" if machine_ok else "[bold red]FAILED[/]"
        console.print(f"[bold]this machine: GitOps validators[/]: {mark}")
        _print_checks(report.machine)
        for phase in report.phases:
            if phase.checks is None:
                console.print(
                    f"[dim]phase {phase.number} {phase.title}: not checked "
                    f"(phase {report.failed_phase} failed)[/]"
                )
                continue
            mark = "[green]passed[/]" if phase.ok else "[bold red]FAILED[/]"
            console.print(f"[bold]phase {phase.number} {phase.title}[/]: {mark}")
            _print_checks(phase.checks)
    if not report.ok:
        raise typer.Exit(1)


def _print_checks(checks: Sequence[CheckOutcome]) -> None:
    for check in checks:
        sign = "[green]ok[/]  " if check.ok else "[red]fail[/]"
        console.print(f"  {sign} {check.name}: {check.detail}")
        if not check.ok:
            console.print(f"       [yellow]fix:[/] {check.remedy}")


@platform_app.command("cost")
def cost_command(
    ctx: typer.Context,
    tfvars: Annotated[
        Path | None,
        typer.Option(exists=True, dir_okay=False, help="terraform.tfvars to price."),
    ] = None,
    group_by: Annotated[
        str | None,
        typer.Option(
            "--group-by",
            help="Instead of an estimate: what AWS billed, grouped by the app, owner or "
            "cost-center tag (Cost Explorer).",
        ),
    ] = None,
    start: Annotated[
        str | None,
        typer.Option(help="With --group-by: first day (YYYY-MM-DD); last month by default."),
    ] = None,
    end: Annotated[
        str | None,
        typer.Option(help="With --group-by: day after the last (YYYY-MM-DD), exclusive."),
    ] = None,
    as_json: bool = typer.Option(False, "--json", help="Print the estimate as JSON."),
    manual_hours_per_service: float = typer.Option(
        9.0, min=0.1, help="Hours to set one service up by hand."
    ),
    hourly_rate: float = typer.Option(100.0, min=0.0, help="Engineering cost per hour, USD."),
    platform_setup_hours: float = typer.Option(
        100.0, min=0.0, help="Hours to stand the platform up."
    ),
    horizon_months: int = typer.Option(12, min=1, help="Months of running cost in the break-even."),
) -> None:
    """Monthly AWS cost of a Terraform configuration and the break-even, or the bill by tag."""
    if (tfvars is None) == (group_by is None):
        run_guarded(lambda: _raise_cost_mode())
        return
    if group_by is not None:
        _cost_by_tag(ctx, group_by, start=start, end=end, as_json=as_json)
        return
    assert tfvars is not None
    from goldpath.platform import CostEstimate, estimate_from_tfvars

    estimate = run_guarded(
        lambda: estimate_from_tfvars(
            tfvars,
            manual_hours_per_service=manual_hours_per_service,
            hourly_rate_usd=hourly_rate,
            platform_setup_hours=platform_setup_hours,
            horizon_months=horizon_months,
        )
    )
    assert isinstance(estimate, CostEstimate)
    if as_json:
        typer.echo(json.dumps(estimate.as_dict(), indent=2))
        return
    table = Table(title=f"{estimate.region}, prices as of {estimate.prices_as_of}")
    table.add_column("item")
    table.add_column("quantity", justify="right")
    table.add_column("USD / month", justify="right")
    for item in estimate.items:
        table.add_row(item.name, f"{item.quantity:g} {item.unit}", f"{item.monthly_usd:,.2f}")
    table.add_row("[bold]total[/]", "", f"[bold]{estimate.monthly_usd:,.2f}[/]")
    console.print(table)
    even = estimate.break_even
    console.print(
        f"break-even: {even.services:.1f} services (manual ${even.manual_cost_per_service_usd:,.0f}"
        f" per service vs. {even.platform_setup_hours:g} h set-up + {even.horizon_months} months)"
    )


def _raise_cost_mode() -> None:
    raise InvalidInputError(
        "give either --tfvars (an estimate) or --group-by (the bill by tag)",
        errors=[FieldError("tfvars", "one-of", "exactly one of --tfvars and --group-by")],
    )


def _day(value: str | None, field: str, default: date) -> date:
    if value is None:
        return default
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInputError(
            f"{field} {value!r} is not a date",
            errors=[FieldError(field, "date", "YYYY-MM-DD")],
        ) from None


def _cost_by_tag(
    ctx: typer.Context, tag: str, *, start: str | None, end: str | None, as_json: bool
) -> None:
    from goldpath.platform import TagCostReport, cost_by_tag

    def run() -> TagCostReport:
        this_month = date.today().replace(day=1)
        last_month = (this_month - timedelta(days=1)).replace(day=1)
        first = _day(start, "start", last_month)
        last = _day(end, "end", this_month)
        endpoint = cli_context(ctx).settings.platform.aws_endpoint_url
        return cost_by_tag(tag, start=first, end=last, endpoint_url=endpoint)

    report = run_guarded(run)
    assert isinstance(report, TagCostReport)
    if as_json:
        typer.echo(json.dumps(report.as_dict(), indent=2))
        return
    table = Table(title=f"AWS cost by {report.tag}, {report.start} to {report.end} (exclusive)")
    table.add_column(report.tag)
    table.add_column("USD", justify="right")
    for group in report.groups:
        table.add_row(group.value, f"{group.usd:,.2f}")
    table.add_row("[bold]total[/]", f"[bold]{report.total_usd:,.2f}[/]")
    console.print(table)


@platform_app.command("split")
def split_command(
    to: Annotated[Path, typer.Option("--to", help="Empty directory for the new repository.")],
    app: bool = typer.Option(False, "--app", help="The portal (src, tests, docs, deploy/portal)."),
    iac: bool = typer.Option(False, "--iac", help="The Terraform (infra/terraform)."),
    platform: bool = typer.Option(False, "--platform", help="The platform-ops folders."),
    source: Annotated[Path, typer.Option(help="The monorepo to split (default: here).")] = Path(
        "."
    ),
    branch: str | None = typer.Option(None, help="Branch to split (default: the current one)."),
) -> None:
    """Split one part of this monorepo into a standalone repository, keeping its history."""
    from goldpath.platform import split_repository

    chosen = [name for name, flag in (("app", app), ("iac", iac), ("platform", platform)) if flag]

    def run() -> object:
        if len(chosen) != 1:
            raise InvalidInputError(
                "choose exactly one part to split",
                errors=[
                    FieldError(
                        field="--app/--iac/--platform",
                        rule="exactly-one",
                        message=f"got {len(chosen)}",
                    )
                ],
            )
        return split_repository(
            chosen[0],  # type: ignore[arg-type]
            source=source,
            target=to,
            branch=branch,
        )

    result = run_guarded(run)
    from goldpath.platform import SplitResult

    assert isinstance(result, SplitResult)
    console.print(
        f"[green]ok[/] {result.target}: {result.commits} commits keeping {', '.join(result.kept)}"
    )


@platform_app.command("rotate-pipeline-tokens")
def rotate_pipeline_tokens_command(
    ctx: typer.Context,
    within_days: int = typer.Option(
        30, "--within-days", min=0, help="Replace tokens that expire within this many days."
    ),
    days: int = typer.Option(365, min=1, max=365, help="Days a new token lives (GitLab: 365)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Say what would change; change nothing."),
    as_json: bool = typer.Option(False, "--json", help="Print the outcome as JSON."),
) -> None:
    """Replace app pipelines' GitOps tokens before they expire (run it from a schedule).

    Each app a golden path made on GitLab has a token that lets its pipeline push to its
    GitOps repository (GITOPS_DEPLOY_TOKEN). The apps are the catalog's and every project
    of the GitOps group. Exit 1 when any could not be rotated, or a catalog app has none.
    """
    from goldpath.providers import GitLabProjects
    from goldpath.scaffolder.actions._gitlab_tokens import (
        TokenRotation,
        gitlab_integration,
        pipeline_token_targets,
        rotate_pipeline_tokens,
    )

    def run() -> object:
        if not dry_run:
            cli_authorize(ctx, "platform.operate")
        settings = settings_of(ctx)
        api = GitLabProjects(gitlab_integration(settings, settings.platform.git_host))
        components = catalog_of(ctx).list_entities(filters={"kind": "component"})
        return rotate_pipeline_tokens(
            api,
            pipeline_token_targets(api, components, settings),
            within_days=within_days,
            days=days,
            dry_run=dry_run,
        )

    outcome = run_guarded(run)
    assert isinstance(outcome, list)
    rotations: list[TokenRotation] = outcome
    if as_json:
        typer.echo(json.dumps([r.as_dict() for r in rotations], indent=2))
    elif not rotations:
        console.print("no GitLab components made by a golden path: nothing to rotate")
    else:
        table = Table("project", "token", "detail")
        colour = {"rotated": "green", "would-rotate": "yellow", "current": "dim",
                  "missing": "red", "failed": "red"}
        for rotation in rotations:
            table.add_row(rotation.project,
                          f"[{colour[rotation.status]}]{rotation.status}[/]", rotation.detail)
        console.print(table)
    if any(r.status in ("failed", "missing") for r in rotations):
        raise typer.Exit(1)
