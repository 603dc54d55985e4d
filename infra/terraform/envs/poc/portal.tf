# IRSA role of the goldpath portal itself (ServiceAccount goldpath/goldpath in
# deploy/portal): it creates and deletes the apps/<name> ECR repositories and the
# per-app secrets of scaffolded applications, nothing else.
data "aws_caller_identity" "current" {}

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
    resources = ["arn:aws:secretsmanager:${var.aws_region}:${data.aws_caller_identity.current.account_id}:secret:${var.secrets_prefix}/apps/*"]
  }
}

resource "aws_iam_role_policy" "portal_app_secrets" {
  name   = "manage-app-secrets"
  role   = module.portal_role.name
  policy = data.aws_iam_policy_document.portal_app_secrets.json
}
