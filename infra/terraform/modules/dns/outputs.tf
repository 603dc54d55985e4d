output "zone_id" {
  description = "ID of the hosted zone."
  value       = local.zone_id
}

output "name_servers" {
  description = "Name servers the parent zone or registrar must delegate to."
  value       = local.name_servers
}

output "wildcard_fqdn" {
  description = "The shared wildcard record name, or null before the ALB exists."
  value       = length(aws_route53_record.wildcard) > 0 ? aws_route53_record.wildcard[0].fqdn : null
}
