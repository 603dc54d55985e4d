output "certificate_arn" {
  description = "ARN of the wildcard certificate (validated when wait_for_validation is true)."
  value       = var.wait_for_validation ? aws_acm_certificate_validation.this[0].certificate_arn : aws_acm_certificate.this.arn
}

output "validation_record_names" {
  description = "Names of the DNS validation records."
  value       = [for record in aws_route53_record.validation : record.name]
}
