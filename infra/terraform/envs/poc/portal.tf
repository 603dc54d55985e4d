# IRSA role of the goldpath portal itself (ServiceAccount goldpath/goldpath in
# deploy/portal): it creates and deletes the apps/<name> ECR repositories and the
# per-app secrets of scaffolded applications, nothing else.
data "aws_caller_identity" "current" {}

data "aws_iam_policy_document" "portal_assume" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [module.eks.oidc_provider_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "${module.eks.oidc_issuer}:sub"
      values   = ["system:serviceaccount:goldpath:goldpath"]
    }

    condition {
      test     = "StringEquals"
      variable = "${module.eks.oidc_issuer}:aud"
      values   = ["sts.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "portal" {
  name               = "${var.cluster_name}-goldpath-portal"
  assume_role_policy = data.aws_iam_policy_document.portal_assume.json
}

resource "aws_iam_role_policy_attachment" "portal_ecr" {
  role       = aws_iam_role.portal.name
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
  role   = aws_iam_role.portal.id
  policy = data.aws_iam_policy_document.portal_app_secrets.json
}
