output "namespace" {
  description = "Namespace of the agents."
  value       = var.namespace
}

output "log_shipper" {
  description = "The log shipper in use."
  value       = "grafana-alloy"
}

output "metrics_agent" {
  description = "The metrics agent in use."
  value       = "prometheus-agent"
}
