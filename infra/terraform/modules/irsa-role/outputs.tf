output "arn" {
  description = "ARN of the role (the ServiceAccount's eks.amazonaws.com/role-arn annotation)."
  value       = aws_iam_role.this.arn
}

output "name" {
  description = "Name of the role, for policy attachments."
  value       = aws_iam_role.this.name
}
