# IRSA role of the goldpath portal itself (ServiceAccount goldpath/goldpath in
# deploy/portal): it creates and deletes the apps/<name> ECR repositories, the per-app
# secrets and the per-app CI roles of scaffolded applications, nothing else.
data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

# The role used to be declared here; keep existing state when upgrading.
moved {
  from = aws_iam_role.portal
  to   = module.portal_role.aws_iam_role.this
}

module "portal_role" {
  source = "../../modules/irsa-role"

  name              = "${var.cluster_name}-goldpath-portal"
  oidc_provider_arn = module.eks.oidc_provider_arn
  oidc_issuer       = module.eks.oidc_issuer
  namespace         = "goldpath"
  service_account   = "goldpath"
  tags              = local.tags
}

resource "aws_iam_role_policy_attachment" "portal_ecr" {
  role       = module.portal_role.name
  policy_arn = module.ecr.app_repository_admin_policy_arn
}

data "aws_iam_policy_document" "portal_app_secrets" {
  statement {
    sid = "ManageAppSecrets"
    actions = [
      "secretsmanager:CreateSecret",
      "secretsmanager:DeleteSecret",
      "secretsmanager:DescribeSecret",
      "secretsmanager:PutSecretValue",
      "secretsmanager:TagResource",
    ]
    resources = ["arn:${data.aws_partition.current.partition}:secretsmanager:${var.aws_region}:${data.aws_caller_identity.current.account_id}:secret:${var.secrets_prefix}/apps/*"]
  }
}

resource "aws_iam_role_policy" "portal_app_secrets" {
  name   = "manage-app-secrets"
  role   = module.portal_role.name
  policy = data.aws_iam_policy_document.portal_app_secrets.json
}

# Each Create gives the app's pipeline its own IAM role, goldpath-ci-<name> under the path
# /goldpath-ci/, which only GitLab ID tokens of that project may assume. The portal may
# touch roles under that path only, and may create one or write its inline policy only
# while the role carries the ecr module's push policy as its permissions boundary. So the
# portal cannot mint a role stronger than the boundary (push to apps/*), whatever inline
# policy it writes. It gets no iam:PutRolePermissionsBoundary,
# iam:DeleteRolePermissionsBoundary or iam:AttachRolePolicy: with those it could lift or
# bypass the boundary.
locals {
  ci_roles_arn = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:role/goldpath-ci/*"
}

data "aws_iam_policy_document" "portal_ci_roles" {
  statement {
    sid       = "CreateCiRolesOnlyWithTheBoundary"
    actions   = ["iam:CreateRole", "iam:PutRolePolicy"]
    resources = [local.ci_roles_arn]

    condition {
      test     = "StringEquals"
      variable = "iam:PermissionsBoundary"
      values   = [module.ecr.ci_push_boundary_arn]
    }
  }

  statement {
    sid = "ReadTagAndDeleteCiRoles"
    actions = [
      "iam:DeleteRole",
      "iam:DeleteRolePolicy",
      "iam:GetRole",
      "iam:ListRolePolicies",
      "iam:TagRole",
    ]
    resources = [local.ci_roles_arn]
  }
}

resource "aws_iam_role_policy" "portal_ci_roles" {
  name   = "manage-app-ci-roles"
  role   = module.portal_role.name
  policy = data.aws_iam_policy_document.portal_ci_roles.json
}
