output "namespace" {
  description = "Namespace of the monitoring stack."
  value       = var.namespace
}

output "log_shipper" {
  description = "The log shipper in use."
  value       = "alloy"
}

output "metrics_agent" {
  description = "The metrics stack in use."
  value       = "kube-prometheus-stack"
}

output "loki_push_url" {
  description = "In-cluster Loki push endpoint."
  value       = local.loki_push_local
}
