output "storage_class_name" {
  description = "Name of the encrypted gp3 StorageClass, for charts that claim volumes."
  value       = var.storage_class_name

  # a claim made before the driver runs would stay Pending
  depends_on = [kubectl_manifest.storage_class]
}

output "role_arn" {
  description = "IAM role ARN the driver's controller assumes through IRSA."
  value       = module.role.arn
}
