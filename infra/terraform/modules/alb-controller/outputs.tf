output "role_arn" {
  description = "IAM role ARN assumed by the controller through IRSA."
  value       = module.role.arn
}

output "ingress_class" {
  description = "IngressClass served by the controller."
  value       = "alb"
}

output "release_name" {
  description = "Name of the Helm release."
  value       = helm_release.this.name
}
