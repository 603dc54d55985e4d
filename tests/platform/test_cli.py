"""`goldpath platform ...` end to end through the Typer app."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from goldpath.cli import app

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "infra" / "terraform" / "envs" / "poc" / "terraform.tfvars.example"
runner = CliRunner()


def test_cost_json_on_the_example_is_within_15_percent_of_the_seed() -> None:
    result = runner.invoke(app, ["platform", "cost", "--tfvars", str(EXAMPLE), "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert abs(document["monthly_usd"] - 218) / 218 <= 0.15
    assert 13 <= document["break_even_services"] <= 16
    assert document["items"]


def test_cost_table_names_the_price_date() -> None:
    result = runner.invoke(app, ["platform", "cost", "--tfvars", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    assert "prices as of" in result.output and "break-even" in result.output


def test_cost_with_an_unknown_instance_type_names_the_variable(tmp_path: Path) -> None:
    tfvars = tmp_path / "x.tfvars"
    tfvars.write_text('node_instance_types = ["z9.mega"]\n')
    result = runner.invoke(app, ["platform", "cost", "--tfvars", str(tfvars)])
    assert result.exit_code == 2
    assert "node_instance_types" in result.output


def test_bootstrap_backend_twice_in_a_row_succeeds(aws: str) -> None:
    args = ["platform", "bootstrap-backend", "--bucket", "gp-cli-state", "--table", "gp-lock"]
    args += ["--region", "us-east-2", "--json"]
    first = runner.invoke(app, args)
    second = runner.invoke(app, args)
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    assert json.loads(first.output)["bucket_created"] is True
    report = json.loads(second.output)
    assert report["bucket_created"] is False
    assert report["versioning"] == "Enabled" and report["public_access_blocked"]


def test_bootstrap_backend_with_a_bad_region_names_the_field() -> None:
    result = runner.invoke(
        app,
        [
            "platform",
            "bootstrap-backend",
            "--bucket",
            "gp-x",
            "--table",
            "gp-lock",
            "--region",
            "mars-1",
        ],
    )
    assert result.exit_code == 2
    assert "region" in result.output and "Traceback" not in result.output


def test_doctor_without_a_cluster_fails_at_phase_1(aws: str) -> None:
    runner.invoke(
        app,
        [
            "platform",
            "bootstrap-backend",
            "--bucket",
            "gp-doc",
            "--table",
            "gp-lock",
            "--region",
            "us-east-2",
        ],
    )
    result = runner.invoke(
        app,
        ["platform", "doctor", "--bucket", "gp-doc", "--table", "gp-lock", "--region", "us-east-2"],
    )
    assert result.exit_code == 1
    assert "phase 1 infrastructure" in result.output and "FAILED" in result.output
    assert "EKS cluster goldpath-poc does not exist" in result.output
    assert "phase 2 DNS delegation and certificate: not checked" in result.output
    assert "phase 4 portal: not checked" in result.output


def _repo(tmp_path: Path) -> str:
    work = tmp_path / "src"
    (work / "deploy").mkdir(parents=True)
    subprocess.run(["cp", "-r", str(REPO / "deploy" / "portal"), str(work / "deploy")], check=True)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q", "-b", "main"], cwd=work, check=True)
    subprocess.run([*git, "add", "."], cwd=work, check=True)
    subprocess.run([*git, "commit", "-qm", "init"], cwd=work, check=True)
    return str(work)


def test_deploy_portal_with_a_missing_branch_names_the_branch(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["platform", "deploy-portal", "--app-repo", _repo(tmp_path), "--app-branch", "nope"]
    )
    assert result.exit_code == 3
    assert "branch 'nope' does not exist" in result.output


def test_deploy_portal_dry_run_prints_plan_and_manifests(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "platform",
            "deploy-portal",
            "--app-repo",
            _repo(tmp_path),
            "--dry-run",
            "--image-tag",
            "t1",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "dry run: nothing was changed" in result.output
    assert "linux/amd64" in result.output
    assert "kind: Deployment" in result.output and "goldpath:t1" in result.output


def test_split_into_a_non_empty_directory_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "t"
    target.mkdir()
    (target / "keep.txt").write_text("x")
    result = runner.invoke(
        app, ["platform", "split", "--iac", "--to", str(target), "--source", _repo(tmp_path)]
    )
    assert result.exit_code == 4
    assert "not an empty directory" in result.output
    assert (target / "keep.txt").read_text() == "x"


@pytest.mark.parametrize("flags", [[], ["--app", "--iac"]])
def test_split_needs_exactly_one_part(tmp_path: Path, flags: list[str]) -> None:
    result = runner.invoke(app, ["platform", "split", *flags, "--to", str(tmp_path / "t")])
    assert result.exit_code == 2
    assert "exactly one" in result.output
