output "repository_urls" {
  description = "Repository URLs by name."
  value       = { for name, repo in aws_ecr_repository.this : name => repo.repository_url }
}

output "registry" {
  description = "Registry host (<account>.dkr.ecr.<region>.amazonaws.com)."
  value       = "${data.aws_caller_identity.current.account_id}.dkr.ecr.${data.aws_region.current.name}.amazonaws.com"
}

output "app_repository_prefix" {
  description = "Namespace of per-app repositories."
  value       = var.app_repository_prefix
}

output "app_push_policy_arn" {
  description = "IAM policy ARN for application CI: push to apps/* only (the same policy as ci_push_boundary_arn)."
  value       = aws_iam_policy.app_push.arn
}

output "app_repository_admin_policy_arn" {
  description = "IAM policy ARN for the portal: create and delete apps/* repositories."
  value       = aws_iam_policy.app_repository_admin.arn
}

output "gitlab_oidc_provider_arn" {
  description = "ARN of GitLab's OIDC provider in IAM, which every app's CI role trusts; empty when gitlab_url is empty."
  value       = join("", aws_iam_openid_connect_provider.gitlab[*].arn)
}

output "ci_push_boundary_arn" {
  description = "Permissions boundary of every app's CI role (the app push policy); the portal may create CI roles only with it."
  value       = aws_iam_policy.app_push.arn
}
