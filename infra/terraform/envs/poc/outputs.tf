output "cluster_name" {
  description = "EKS cluster name (aws eks update-kubeconfig --name ...)."
  value       = module.eks.cluster_name
}

output "ecr_registry" {
  description = "ECR registry host."
  value       = module.ecr.registry
}

output "ecr_repository_urls" {
  description = "Platform repository URLs."
  value       = module.ecr.repository_urls
}

output "gitlab_oidc_provider_arn" {
  description = "GitLab's OIDC provider in IAM, trusted by every app's CI role (empty when gitlab_url is empty)."
  value       = module.ecr.gitlab_oidc_provider_arn
}

output "name_servers" {
  description = "Delegate the domain to these name servers at the parent zone or registrar."
  value       = module.dns.name_servers
}

output "certificate_arn" {
  description = "Wildcard certificate for the shared ALB."
  value       = module.acm.certificate_arn
}

output "secret_names" {
  description = "Secrets to fill out of band with `aws secretsmanager put-secret-value`."
  value       = module.secrets_manager.secret_names
}

output "secret_required_keys" {
  description = "JSON keys each secret must contain."
  value       = module.secrets_manager.required_keys
}

output "argocd_url" {
  description = "Argo CD UI."
  value       = module.argocd.server_url
}

output "portal_role_arn" {
  description = "IRSA role of the goldpath portal (annotation of ServiceAccount goldpath/goldpath)."
  value       = module.portal_role.arn
}
