"""App pipelines push with their own OIDC-assumed IAM role: the Terraform matches goldpath.

goldpath (``goldpath.providers``) creates each app's CI role under `CI_ROLE_PATH` with the
ecr module's push policy as permissions boundary, trusting GitLab's OIDC provider for the
audience `OIDC_AUDIENCE`. These tests hold the Terraform side to the same names, and the
portal's IAM permissions to "create only bounded roles under that path".
"""

from __future__ import annotations

import inspect
import json
import os
import re
import subprocess
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import pytest

from goldpath.config import load_settings
from goldpath.platform import load_hcl, module_calls, module_variables
from goldpath.providers import CI_ROLE_PATH, CI_ROLE_PREFIX, OIDC_AUDIENCE, CiPushRoles
from tests.support.terraform import terraform_binary

TERRAFORM = Path(__file__).resolve().parents[2] / "infra" / "terraform"
ECR = TERRAFORM / "modules" / "ecr"
ROOT = TERRAFORM / "envs" / "poc"
ACCOUNT = "${data.aws_caller_identity.current.account_id}"
PARTITION = "${data.aws_partition.current.partition}"
BOUNDARY = "${module.ecr.ci_push_boundary_arn}"
# Actions with which a holder could lift, swap or bypass a role's permissions boundary.
BOUNDARY_BYPASS = (
    "iam:PutRolePermissionsBoundary",
    "iam:DeleteRolePermissionsBoundary",
    "iam:AttachRolePolicy",
)
_LOCAL_REF = re.compile(r"\$\{local\.([A-Za-z_][A-Za-z0-9_]*)\}")


def _blocks(directory: Path, kind: str) -> dict[tuple[str, str], dict[str, Any]]:
    """Every ``resource`` or ``data`` block of a directory, by (type, name)."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for path in sorted(directory.glob("*.tf")):
        for block in load_hcl(path).get(kind, []):
            for type_, instances in block.items():
                for name, body in instances.items():
                    found[(type_, name)] = body
    return found


def _root_locals() -> dict[str, Any]:
    return {
        name: value
        for path in sorted(ROOT.glob("*.tf"))
        for block in load_hcl(path).get("locals", [])
        for name, value in block.items()
    }


def _resolve(value: str) -> str:
    """A root string with its ``${local.x}`` references (string locals) substituted."""
    locals_ = _root_locals()
    return _LOCAL_REF.sub(lambda m: str(locals_[m.group(1)]), value)


def _as_list(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _portal_statements() -> list[dict[str, Any]]:
    """Every statement of every policy document attached to the portal's role inline."""
    data = _blocks(ROOT, "data")
    statements: list[dict[str, Any]] = []
    for (type_, _), body in _blocks(ROOT, "resource").items():
        if type_ != "aws_iam_role_policy" or body["role"] != "${module.portal_role.name}":
            continue
        match = re.fullmatch(r"\$\{data\.aws_iam_policy_document\.(\w+)\.json\}", body["policy"])
        assert match, f"portal inline policy {body['name']} is not a policy document"
        statements += data[("aws_iam_policy_document", match.group(1))]["statement"]
    return statements


def _grants(statement: dict[str, Any], action: str) -> bool:
    return statement.get("effect", "Allow") == "Allow" and any(
        fnmatchcase(action.lower(), pattern.lower()) for pattern in _as_list(statement["actions"])
    )


def _boundary_conditions(statement: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in statement.get("condition", []) if c["variable"] == "iam:PermissionsBoundary"]


def _iam_calls_goldpath_makes() -> set[str]:
    """The IAM actions `CiPushRoles` calls, as it names them in its error context."""
    calls = set(re.findall(r'aws_errors\("(iam:\w+)"', inspect.getsource(CiPushRoles)))
    assert {"iam:CreateRole", "iam:PutRolePolicy", "iam:DeleteRole"} <= calls
    return calls


def test_gitlab_oidc_provider_expects_the_audience_pipelines_ask_for() -> None:
    providers = {
        name: body
        for (type_, name), body in _blocks(ECR, "resource").items()
        if type_ == "aws_iam_openid_connect_provider"
    }
    gitlab = providers["gitlab"]
    assert gitlab["client_id_list"] == [OIDC_AUDIENCE]
    assert gitlab["url"] == "${var.gitlab_url}"
    assert gitlab["count"] == '${var.gitlab_url == "" ? 0 : 1}'
    # The thumbprint comes from the instance's certificate chain, as for the EKS issuer.
    assert gitlab["thumbprint_list"] == [
        "${data.tls_certificate.gitlab[0].certificates[0].sha1_fingerprint}"
    ]
    certificate = _blocks(ECR, "data")[("tls_certificate", "gitlab")]
    assert certificate["url"] == "${var.gitlab_url}"
    assert certificate["count"] == gitlab["count"]


def test_root_passes_gitlab_url_to_the_ecr_module() -> None:
    [ecr] = [call for call in module_calls(ROOT) if Path(call.source).name == "ecr"]
    assert "gitlab_url" in ecr.arguments
    body = next(
        b["ecr"] for p in ROOT.glob("*.tf") for b in load_hcl(p).get("module", []) if "ecr" in b
    )
    assert body["gitlab_url"] == "${var.gitlab_url}"
    assert "gitlab_url" in module_variables(ROOT)


def test_module_outputs_name_the_provider_and_the_push_policy_as_boundary() -> None:
    outputs = {
        name: body
        for block in load_hcl(ECR / "outputs.tf")["output"]
        for name, body in block.items()
    }
    assert outputs["ci_push_boundary_arn"]["value"] == "${aws_iam_policy.app_push.arn}"
    assert "aws_iam_openid_connect_provider.gitlab" in outputs["gitlab_oidc_provider_arn"]["value"]
    # The existing outputs stay.
    assert {"app_push_policy_arn", "app_repository_admin_policy_arn", "registry"} <= set(outputs)


def test_push_policy_name_is_the_boundary_goldpath_looks_up(goldpath_home: Path) -> None:
    push = _blocks(ECR, "resource")[("aws_iam_policy", "app_push")]
    prefix = module_variables(ECR)["app_repository_prefix"]
    assert not prefix.required
    default = next(
        body["default"]
        for block in load_hcl(ECR / "variables.tf")["variable"]
        for name, body in block.items()
        if name == "app_repository_prefix"
    )
    [ecr] = [call for call in module_calls(ROOT) if Path(call.source).name == "ecr"]
    assert "app_repository_prefix" not in ecr.arguments, "the root overrides the default"
    name = push["name"].replace("${var.app_repository_prefix}", default)
    assert "${" not in name
    assert name == load_settings(home=goldpath_home).aws.ci_permissions_boundary
    # goldpath builds arn:<partition>:iam::<account>:policy/<name>: the policy has no path.
    assert push.get("path", "/") == "/"


def test_portal_may_create_ci_roles_only_under_their_path_and_with_the_boundary() -> None:
    statements = _portal_statements()
    ci_roles = f"arn:{PARTITION}:iam::{ACCOUNT}:role{CI_ROLE_PATH}*"
    for action in ("iam:CreateRole", "iam:PutRolePolicy"):
        granting = [s for s in statements if _grants(s, action)]
        assert granting, f"the portal cannot {action}"
        for statement in granting:
            assert [_resolve(r) for r in _as_list(statement["resources"])] == [ci_roles], action
            [condition] = _boundary_conditions(statement)
            assert condition["test"] == "StringEquals"
            assert condition["values"] == [BOUNDARY]


def test_portal_iam_permissions_cover_goldpaths_calls_and_only_ci_roles() -> None:
    statements = _portal_statements()
    needed = _iam_calls_goldpath_makes() | {"iam:TagRole"}  # CreateRole with Tags
    for action in needed:
        assert any(_grants(s, action) for s in statements), f"the portal cannot {action}"
    ci_roles = f"arn:{PARTITION}:iam::{ACCOUNT}:role{CI_ROLE_PATH}*"
    for statement in statements:
        assert "not_actions" not in statement and "not_resources" not in statement
        if any(a.lower().startswith("iam:") for a in _as_list(statement["actions"])):
            assert [_resolve(r) for r in _as_list(statement["resources"])] == [ci_roles]
    # The pattern takes goldpath's roles and nothing else of the account.
    pattern = ci_roles.replace(ACCOUNT, "123456789012").replace(PARTITION, "aws")
    assert fnmatchcase(
        f"arn:aws:iam::123456789012:role{CI_ROLE_PATH}{CI_ROLE_PREFIX}payments", pattern
    )
    for other in (
        "role/goldpath-poc-goldpath-portal",
        f"role/{CI_ROLE_PREFIX}payments",
        "role/goldpath-ci-admins/x",
    ):
        assert not fnmatchcase(f"arn:aws:iam::123456789012:{other}", pattern), other


def test_portal_can_never_lift_or_bypass_a_boundary() -> None:
    statements = _portal_statements()
    for action in BOUNDARY_BYPASS:
        assert not [s.get("sid") for s in statements if _grants(s, action)], action
    # Nor does any other root or module policy document give them to anyone.
    documents = [
        body
        for directory in [ROOT, *sorted((TERRAFORM / "modules").iterdir())]
        for (type_, _), body in _blocks(directory, "data").items()
        if type_ == "aws_iam_policy_document"
    ]
    assert documents
    for document in documents:
        for statement in document.get("statement", []):
            if "actions" in statement:
                for action in BOUNDARY_BYPASS:
                    assert not _grants(statement, action), (action, statement.get("sid"))


def _variable_block(path: Path) -> str:
    match = re.search(r'^variable "gitlab_url" \{.*?^\}', path.read_text(), flags=re.M | re.S)
    assert match, f"{path} declares no gitlab_url"
    return match.group(0)


@pytest.mark.parametrize(
    ("url", "accepted"),
    [
        ("https://gitlab.example.com", True),
        ("https://gitlab.example.com/gitlab", True),
        ("", True),  # no provider
        ("https://gitlab.example.com/", False),
        ("http://gitlab.example.com", False),
        ("gitlab.example.com", False),
        ("https://", False),
    ],
)
@pytest.mark.parametrize(
    "variables", [ECR / "variables.tf", ROOT / "variables.tf"], ids=["module", "root"]
)
def test_gitlab_url_validation(url: str, accepted: bool, variables: Path, tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        _variable_block(variables) + '\noutput "url" {\n  value = var.gitlab_url\n}\n'
    )
    (tmp_path / "terraform.tfvars.json").write_text(json.dumps({"gitlab_url": url}))
    env = {**os.environ, "TF_CLI_CONFIG_FILE": "/dev/null", "TF_IN_AUTOMATION": "1"}
    terraform = terraform_binary()
    result = subprocess.run(
        [terraform, "plan", "-input=false", "-no-color", "-refresh=false"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (result.returncode == 0) is accepted, result.stdout + result.stderr
    if not accepted:
        assert "gitlab_url must be" in result.stderr
