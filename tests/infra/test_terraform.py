"""infra/terraform: formatted, parsing, consistent, documented and checkov-clean."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from goldpath.platform import (
    TerraformVariable,
    check_module_call,
    load_hcl,
    load_tfvars,
    module_calls,
    module_outputs,
    module_variables,
    unassigned_variables,
)
from tests.support.terraform import terraform_binary

REPO = Path(__file__).resolve().parents[2]
TERRAFORM = REPO / "infra" / "terraform"
MODULES = TERRAFORM / "modules"
ROOT = TERRAFORM / "envs" / "poc"
EXPECTED_MODULES = {
    "acm",
    "alb-controller",
    "argocd",
    "calico",
    "dns",
    "ebs-csi",
    "ecr",
    "eks",
    "external-secrets",
    "observability",
    "secrets-manager",
    "vpc",
}
# Building blocks the platform modules and the root share (not platform components).
SHARED_MODULES = {"irsa-role"}
TF_FILES = sorted(TERRAFORM.rglob("*.tf"))
ROOT_VARIABLES = module_variables(ROOT)
EXAMPLE = load_tfvars(ROOT / "terraform.tfvars.example")


def _checkov() -> str:
    local = REPO / ".venv-checkov" / "bin" / "checkov"
    if local.exists():
        return str(local)
    found = shutil.which("checkov")
    if found is None:
        pytest.skip("checkov is not installed: `make test` creates .venv-checkov with it")
    return found


def test_every_expected_module_exists_with_its_files() -> None:
    modules = {path.name for path in MODULES.iterdir() if path.is_dir()}
    assert modules >= EXPECTED_MODULES
    for name in modules:
        for file in ("main.tf", "variables.tf", "outputs.tf", "versions.tf", "README.md"):
            assert (MODULES / name / file).is_file(), f"modules/{name}/{file} is missing"


def test_terraform_fmt_reports_no_difference() -> None:
    result = subprocess.run(
        [terraform_binary(), "fmt", "-check", "-recursive", "-diff"],
        cwd=TERRAFORM,
        capture_output=True,
        text=True,
        env={**os.environ, "TF_CLI_CONFIG_FILE": "/dev/null"},
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", TF_FILES, ids=lambda p: str(p.relative_to(TERRAFORM)))
def test_every_tf_file_parses(path: Path) -> None:
    document = load_hcl(path)
    assert isinstance(document, dict)
    assert document, f"{path} parsed to nothing"


@pytest.mark.parametrize("name", sorted(EXPECTED_MODULES))
def test_every_variable_has_a_description_and_a_type(name: str) -> None:
    for variable in module_variables(MODULES / name).values():
        assert variable.description, f"{name}: variable {variable.name} has no description"
        assert variable.type != "any", f"{name}: variable {variable.name} has no type"


@pytest.mark.parametrize("name", sorted(EXPECTED_MODULES))
def test_every_module_readme_lists_its_inputs_and_outputs(name: str) -> None:
    readme = (MODULES / name / "README.md").read_text()
    for variable in module_variables(MODULES / name):
        assert f"`{variable}`" in readme, f"{name}/README.md does not list input {variable}"
    for output in module_outputs(MODULES / name):
        assert f"`{output}`" in readme, f"{name}/README.md does not list output {output}"


def test_root_calls_every_module() -> None:
    sources = {Path(call.source).name for call in module_calls(ROOT)}
    assert sources == EXPECTED_MODULES | SHARED_MODULES


@pytest.mark.parametrize("call", module_calls(ROOT), ids=lambda c: c.name)
def test_module_call_passes_only_declared_and_all_required_variables(call: object) -> None:
    from goldpath.platform import ModuleCall

    assert isinstance(call, ModuleCall)
    variables = module_variables((ROOT / call.source).resolve())
    assert check_module_call(call, variables) == []


def test_module_call_check_reports_unknown_and_missing_arguments(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'module "x" {\n  source = "./m"\n  typo = 1\n}\n', encoding="utf-8"
    )
    variables = {
        "needed": TerraformVariable(name="needed", type="string", description="d", required=True)
    }
    [call] = module_calls(tmp_path)
    problems = check_module_call(call, variables)
    assert any("'typo'" in p and "does not declare" in p for p in problems)
    assert any("'needed'" in p and "required" in p for p in problems)


def test_tfvars_example_assigns_every_root_variable() -> None:
    assert unassigned_variables(ROOT_VARIABLES.values(), EXAMPLE, required_only=False) == []


def test_tfvars_example_assigns_nothing_undeclared() -> None:
    assert sorted(set(EXAMPLE) - set(ROOT_VARIABLES)) == []


@given(st.sets(st.sampled_from(sorted(n for n, v in ROOT_VARIABLES.items() if v.required))))
def test_tfvars_example_covers_any_set_of_required_root_variables(names: set[str]) -> None:
    chosen = [ROOT_VARIABLES[name] for name in names]
    assert unassigned_variables(chosen, EXAMPLE, required_only=True) == []


_names = st.from_regex(r"[a-z][a-z0-9_]{0,12}", fullmatch=True)


@given(
    st.dictionaries(_names, st.booleans(), max_size=12),
    st.sets(_names, max_size=12),
)
def test_unassigned_required_variables_are_exactly_the_missing_required_ones(
    declared: dict[str, bool], assigned: set[str]
) -> None:
    variables = [
        TerraformVariable(name=n, type="string", description="d", required=r)
        for n, r in declared.items()
    ]
    missing = unassigned_variables(variables, dict.fromkeys(assigned, 1), required_only=True)
    assert set(missing) == {n for n, r in declared.items() if r and n not in assigned}


def test_root_tags_every_aws_resource_with_cost_allocation_tags() -> None:
    providers = load_hcl(ROOT / "providers.tf")
    [aws] = [p["aws"] for p in providers["provider"] if "aws" in p]
    assert "default_tags" in aws
    locals_ = {k: v for block in providers["locals"] for k, v in block.items()}
    for key in ("app", "owner", "cost-center", "managed-by", "Project", "Environment"):
        assert key in locals_["tags"], f"cost-allocation tag {key} is missing"


def test_backend_is_s3_with_dynamodb_locking() -> None:
    versions = load_hcl(ROOT / "versions.tf")
    [backend] = versions["terraform"][0]["backend"]
    assert "s3" in backend
    example = load_hcl(ROOT / "backend.hcl.example")
    assert {"bucket", "region", "dynamodb_table"} <= set(example)


def test_every_provider_and_chart_is_pinned() -> None:
    for path in TERRAFORM.rglob("versions.tf"):
        terraform = load_hcl(path)["terraform"][0]
        assert "required_version" in terraform, path
        for block in terraform.get("required_providers", []):
            for name, spec in block.items():
                assert spec.get("version"), f"{path}: provider {name} has no version"
    for path in MODULES.rglob("main.tf"):
        for resource in load_hcl(path).get("resource", []):
            for body in resource.get("helm_release", {}).values():
                assert body.get("version"), f"{path}: a helm_release has no chart version"


@pytest.mark.slow
def test_checkov_reports_no_failed_check(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            _checkov(),
            "--directory",
            str(TERRAFORM),
            "--framework",
            "terraform",
            "--skip-download",
            "--output",
            "json",
            "--quiet",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    report = json.loads(result.stdout)
    reports = report if isinstance(report, list) else [report]
    failed = [
        f"{c['check_id']} {c['resource']} ({c['file_path']}): {c['check_name']}"
        for r in reports
        for c in r.get("results", {}).get("failed_checks", [])
    ]
    assert failed == []
    summary = reports[0]["summary"]
    assert summary["passed"] > 100
    assert summary["parsing_errors"] == 0


_VAR_REF = re.compile(r"\bvar\.([A-Za-z_][A-Za-z0-9_-]*)")
_MODULE_REF = re.compile(r"\bmodule\.([A-Za-z_][A-Za-z0-9_-]*)\.([A-Za-z_][A-Za-z0-9_-]*)")
# `moved { from = ... to = module.x.aws_iam_role.this }` names resources, not outputs.
_MOVED_BLOCK = re.compile(r"^moved \{.*?^\}", re.M | re.S)
# Root variables read by tools rather than by Terraform resources.
_TOOL_ONLY_VARIABLES = {"ecr_storage_gb"}  # priced by `goldpath platform cost`


def _sources(directory: Path) -> str:
    return "\n".join(p.read_text() for p in sorted(directory.glob("*.tf")))


@pytest.mark.parametrize("directory", [*sorted(MODULES.iterdir()), ROOT], ids=lambda p: p.name)
def test_every_var_reference_is_declared_and_every_variable_is_used(directory: Path) -> None:
    declared = set(module_variables(directory))
    used = set(_VAR_REF.findall(_sources(directory)))
    assert used - declared == set(), f"{directory.name} references undeclared variables"
    assert declared - used - _TOOL_ONLY_VARIABLES == set(), f"{directory.name} has unused variables"


def test_every_module_output_the_root_reads_exists() -> None:
    calls = {call.name: (ROOT / call.source).resolve() for call in module_calls(ROOT)}
    for name, output in _MODULE_REF.findall(_MOVED_BLOCK.sub("", _sources(ROOT))):
        assert name in calls, f"module.{name} is not called"
        assert output in module_outputs(calls[name]), f"module.{name} has no output {output}"


def test_a_file_that_is_not_hcl_is_refused_naming_it(tmp_path: Path) -> None:
    from goldpath.platform import TerraformFileError

    broken = tmp_path / "broken.tf"
    broken.write_text('resource "x" {\n')
    with pytest.raises(TerraformFileError, match="broken.tf is not valid HCL"):
        load_hcl(broken)


def test_a_changed_file_is_parsed_again(tmp_path: Path) -> None:
    path = tmp_path / "x.tfvars"
    path.write_text("a = 1\n")
    assert load_tfvars(path) == {"a": 1}
    path.write_text("a = 22\nb = 3\n")
    assert load_tfvars(path) == {"a": 22, "b": 3}


def test_tfvars_example_comments_every_variable_and_shows_optional_defaults() -> None:
    lines = (ROOT / "terraform.tfvars.example").read_text().splitlines()
    declared = {
        name: body.get("default")
        for block in load_hcl(ROOT / "variables.tf")["variable"]
        for name, body in block.items()
    }
    for index, line in enumerate(lines):
        name = line.split("=", 1)[0].strip()
        if line.startswith("#") or "=" not in line or name not in ROOT_VARIABLES:
            continue
        comment = lines[index - 1]
        variable = ROOT_VARIABLES[name]
        expected = "(required)" if variable.required else "(optional, default shown)"
        assert comment.startswith("# ") and comment.endswith(expected), name
        if not variable.required:
            assert EXAMPLE[name] == declared[name], f"{name} does not show its default"


@pytest.mark.parametrize("name", sorted(EXPECTED_MODULES))
def test_every_module_readme_usage_parses_and_passes_the_required_variables(
    name: str, tmp_path: Path
) -> None:
    readme = (MODULES / name / "README.md").read_text()
    match = re.search(r"```hcl\n(.*?)```", readme, flags=re.S)
    assert match, f"{name}/README.md has no hcl usage block"
    (tmp_path / "usage.tf").write_text(match.group(1))
    [call] = module_calls(tmp_path)
    assert Path(call.source).name == name
    assert check_module_call(call, module_variables(MODULES / name)) == []


# AWS resource types that cannot carry tags.
_UNTAGGABLE = {
    "aws_acm_certificate_validation",
    "aws_ecr_lifecycle_policy",
    "aws_ecr_repository_policy",
    "aws_iam_role_policy",
    "aws_iam_role_policy_attachment",
    "aws_kms_alias",
    "aws_route",
    "aws_route53_record",
    "aws_route_table_association",
}


@pytest.mark.parametrize("name", sorted(EXPECTED_MODULES))
def test_every_taggable_aws_resource_in_a_module_carries_the_tags(name: str) -> None:
    for path in sorted((MODULES / name).glob("*.tf")):
        for block in load_hcl(path).get("resource", []):
            for resource_type, instances in block.items():
                if not resource_type.startswith("aws_") or resource_type in _UNTAGGABLE:
                    continue
                for label, body in instances.items():
                    assert "tags" in body, f"{name}: {resource_type}.{label} has no tags"
                    assert "var.tags" in str(body["tags"]), f"{resource_type}.{label}"


@pytest.mark.parametrize("name", sorted(EXPECTED_MODULES))
def test_every_module_readme_is_up_to_date_with_its_variables_and_outputs(name: str) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "module_readmes", TERRAFORM / "tools" / "module_readmes.py"
    )
    assert spec and spec.loader
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    assert (MODULES / name / "README.md").read_text() == tool.render(MODULES / name), (
        "run .venv/bin/python infra/terraform/tools/module_readmes.py"
    )


def test_arns_name_the_partition_they_are_in() -> None:
    # arn:aws: is wrong in GovCloud (aws-us-gov) and China (aws-cn): goldpath's own
    # policies build ARNs from data.aws_partition. Only the AWS Load Balancer Controller's
    # policy, kept as AWS publishes it, writes arn:aws: (its wildcards match no other
    # partition's resources).
    published = MODULES / "alb-controller" / "main.tf"
    literal = [
        f"{path.relative_to(TERRAFORM)}:{number}"
        for path in TF_FILES
        if path != published
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "arn:aws:" in line and not line.lstrip().startswith("#")
    ]
    assert literal == []
