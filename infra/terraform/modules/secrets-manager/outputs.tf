output "secret_arns" {
  description = "Secret ARNs by name under the prefix."
  value       = { for name, secret in aws_secretsmanager_secret.this : name => secret.arn }
}

output "secret_names" {
  description = "Full secret names by short name."
  value       = { for name, secret in aws_secretsmanager_secret.this : name => secret.name }
}

output "required_keys" {
  description = "JSON keys each secret must hold once its value is set out of band."
  value       = var.secrets
}

output "kms_key_arn" {
  description = "KMS key encrypting the secrets."
  value       = aws_kms_key.this.arn
}
