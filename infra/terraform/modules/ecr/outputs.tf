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
  description = "IAM policy ARN for application CI: push to apps/* only."
  value       = aws_iam_policy.app_push.arn
}

output "app_repository_admin_policy_arn" {
  description = "IAM policy ARN for the portal: create and delete apps/* repositories."
  value       = aws_iam_policy.app_repository_admin.arn
}
