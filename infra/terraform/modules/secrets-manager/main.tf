data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_iam_policy_document" "key" {
  # checkov:skip=CKV_AWS_109:A KMS key policy's Resource "*" means this key only; the root principal is required by AWS.
  # checkov:skip=CKV_AWS_111:A KMS key policy's Resource "*" means this key only; the root principal is required by AWS.
  # checkov:skip=CKV_AWS_356:A KMS key policy's Resource "*" means this key only.
  statement {
    sid       = "AccountAdministers"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }
}

resource "aws_kms_key" "this" {
  description         = "Encrypts the ${var.secrets_prefix}/* platform secrets"
  enable_key_rotation = true
  policy              = data.aws_iam_policy_document.key.json

  tags = var.tags
}

resource "aws_kms_alias" "this" {
  name          = "alias/${replace(var.secrets_prefix, "/", "-")}-secrets"
  target_key_id = aws_kms_key.this.key_id
}

# Only the container is managed here. The values are written out of band
# (`aws secretsmanager put-secret-value`), so they never enter Terraform state.
resource "aws_secretsmanager_secret" "this" {
  # checkov:skip=CKV2_AWS_57:These are third-party credentials (GitHub OAuth app, GitLab tokens, Grafana Cloud) that only their issuer can rotate; no rotation Lambda can mint them.
  for_each = var.secrets

  name                    = "${var.secrets_prefix}/${each.key}"
  description             = "goldpath ${each.key} secret; JSON keys: ${join(", ", each.value)}"
  kms_key_id              = aws_kms_key.this.arn
  recovery_window_in_days = var.recovery_window_days

  tags = merge(var.tags, { "goldpath.io/keys" = join(".", each.value) })
}
