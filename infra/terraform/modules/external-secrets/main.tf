data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  service_account = "external-secrets"
}

# The role used to be declared here; keep existing state when upgrading.
moved {
  from = aws_iam_role.this
  to   = module.role.aws_iam_role.this
}

module "role" {
  source = "../irsa-role"

  name              = "${var.cluster_name}-external-secrets"
  oidc_provider_arn = var.oidc_provider_arn
  oidc_issuer       = var.oidc_issuer
  namespace         = var.namespace
  service_account   = local.service_account
  tags              = var.tags
}

data "aws_iam_policy_document" "read" {
  statement {
    sid = "ReadPlatformSecrets"
    actions = [
      "secretsmanager:DescribeSecret",
      "secretsmanager:GetResourcePolicy",
      "secretsmanager:GetSecretValue",
      "secretsmanager:ListSecretVersionIds",
    ]
    resources = ["arn:${data.aws_partition.current.partition}:secretsmanager:${var.region}:${data.aws_caller_identity.current.account_id}:secret:${var.secrets_prefix}/*"]
  }

  statement {
    sid       = "DecryptThroughSecretsManager"
    actions   = ["kms:Decrypt"]
    resources = [var.kms_key_arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["secretsmanager.${var.region}.amazonaws.com"]
    }
  }
}

resource "aws_iam_role_policy" "read" {
  name   = "read-platform-secrets"
  role   = module.role.name
  policy = data.aws_iam_policy_document.read.json
}

resource "helm_release" "this" {
  name             = "external-secrets"
  repository       = "https://charts.external-secrets.io"
  chart            = "external-secrets"
  version          = var.chart_version
  namespace        = var.namespace
  create_namespace = true
  wait             = true

  values = [yamlencode({
    installCRDs = true
    serviceAccount = {
      create = true
      name   = local.service_account
      annotations = {
        "eks.amazonaws.com/role-arn" = module.role.arn
      }
    }
  })]
}

# Applied with kubectl_manifest, which does not need the CRD at plan time.
resource "kubectl_manifest" "cluster_secret_store" {
  server_side_apply = true
  yaml_body = yamlencode({
    apiVersion = "external-secrets.io/v1"
    kind       = "ClusterSecretStore"
    metadata = {
      name = var.store_name
    }
    spec = {
      provider = {
        aws = {
          service = "SecretsManager"
          region  = var.region
          auth = {
            jwt = {
              serviceAccountRef = {
                name      = local.service_account
                namespace = var.namespace
              }
            }
          }
        }
      }
    }
  })

  depends_on = [helm_release.this]
}
