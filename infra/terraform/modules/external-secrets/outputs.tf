output "role_arn" {
  description = "IAM role ARN assumed by the operator through IRSA."
  value       = module.role.arn
}

output "cluster_secret_store" {
  description = "Name of the ClusterSecretStore for Secrets Manager."
  value       = var.store_name
}

output "namespace" {
  description = "Namespace the operator runs in."
  value       = helm_release.this.namespace
}
