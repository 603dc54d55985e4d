data "aws_caller_identity" "current" {}

data "aws_region" "current" {}

data "aws_partition" "current" {}

locals {
  lifecycle_policy = jsonencode({
    rules = [
      {
        rulePriority = 1
        description  = "Expire untagged images after ${var.untagged_expiry_days} days"
        selection = {
          tagStatus   = "untagged"
          countType   = "sinceImagePushed"
          countUnit   = "days"
          countNumber = var.untagged_expiry_days
        }
        action = { type = "expire" }
      },
      {
        rulePriority = 2
        description  = "Keep the last ${var.keep_tagged_images} images"
        selection = {
          tagStatus   = "any"
          countType   = "imageCountMoreThan"
          countNumber = var.keep_tagged_images
        }
        action = { type = "expire" }
      },
    ]
  })
  repository_arn_prefix = "arn:${data.aws_partition.current.partition}:ecr:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:repository"
}

resource "aws_ecr_repository" "this" {
  for_each = toset(var.repositories)

  name                 = each.value
  image_tag_mutability = "IMMUTABLE"

  image_scanning_configuration {
    scan_on_push = true
  }

  encryption_configuration {
    encryption_type = "KMS"
  }

  tags = var.tags
}

resource "aws_ecr_lifecycle_policy" "this" {
  for_each = aws_ecr_repository.this

  repository = each.value.name
  policy     = local.lifecycle_policy
}

data "aws_iam_policy_document" "pull" {
  count = length(var.pull_principal_arns) > 0 ? 1 : 0

  statement {
    sid = "NodesPull"
    actions = [
      "ecr:BatchCheckLayerAvailability",
      "ecr:BatchGetImage",
      "ecr:GetDownloadUrlForLayer",
    ]

    principals {
      type        = "AWS"
      identifiers = var.pull_principal_arns
    }
  }
}

resource "aws_ecr_repository_policy" "pull" {
  for_each = { for name, repo in aws_ecr_repository.this : name => repo.name if length(var.pull_principal_arns) > 0 }

  repository = each.value
  policy     = data.aws_iam_policy_document.pull[0].json
}

# The per-app pattern: CI of a scaffolded app pushes only to apps/<name>; goldpath's
# aws:ecr action creates that repository with the same settings as above, and its
# Create step makes the app's pipeline role goldpath-ci-<name> (IAM path /goldpath-ci/),
# whose inline policy allows pushing to apps/<name> alone. This policy is the permissions
# boundary of every such role: whatever inline policy a role is given, it can do no more
# than push to apps/*. goldpath finds it by name (aws.ci_permissions_boundary, default
# "ecr-apps-push"), so keep the name in step with that setting.
data "aws_iam_policy_document" "app_push" {
  statement {
    sid       = "Authenticate"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }

  statement {
    sid = "PushAppImages"
    actions = [
      "ecr:BatchCheckLayerAvailability",
      "ecr:BatchGetImage",
      "ecr:CompleteLayerUpload",
      "ecr:DescribeImages",
      "ecr:GetDownloadUrlForLayer",
      "ecr:InitiateLayerUpload",
      "ecr:PutImage",
      "ecr:UploadLayerPart",
    ]
    resources = ["${local.repository_arn_prefix}/${var.app_repository_prefix}/*"]
  }
}

# The description is kept as it was: changing it makes Terraform replace the policy (IAM
# cannot update a description), which fails while a user, a role or a role's boundary
# still uses it.
resource "aws_iam_policy" "app_push" {
  name        = "ecr-${var.app_repository_prefix}-push"
  description = "Push and pull images of scaffolded applications under ${var.app_repository_prefix}/"
  policy      = data.aws_iam_policy_document.app_push.json

  tags = var.tags
}

data "aws_iam_policy_document" "app_repository_admin" {
  statement {
    sid = "ManageAppRepositories"
    actions = [
      "ecr:CreateRepository",
      "ecr:DeleteRepository",
      "ecr:DescribeRepositories",
      "ecr:PutLifecyclePolicy",
      "ecr:SetRepositoryPolicy",
      "ecr:TagResource",
    ]
    resources = ["${local.repository_arn_prefix}/${var.app_repository_prefix}/*"]
  }
}

resource "aws_iam_policy" "app_repository_admin" {
  name        = "ecr-${var.app_repository_prefix}-admin"
  description = "Lets the goldpath portal create and delete repositories under ${var.app_repository_prefix}/"
  policy      = data.aws_iam_policy_document.app_repository_admin.json

  tags = var.tags
}

# GitLab as an OIDC identity provider: a pipeline job presents its ID token (aud
# sts.amazonaws.com) and assumes its app's CI role; no pipeline holds AWS keys. Each
# role's trust policy (written by goldpath at Create) admits only its own project's
# default branch. An empty gitlab_url creates no provider.
data "tls_certificate" "gitlab" {
  count = var.gitlab_url == "" ? 0 : 1

  url = var.gitlab_url
}

resource "aws_iam_openid_connect_provider" "gitlab" {
  count = var.gitlab_url == "" ? 0 : 1

  url             = var.gitlab_url
  client_id_list  = ["sts.amazonaws.com"]
  thumbprint_list = [data.tls_certificate.gitlab[0].certificates[0].sha1_fingerprint]

  tags = var.tags
}
