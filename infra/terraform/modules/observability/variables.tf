variable "cluster_name" {
  description = "Cluster label added to every metric and log line."
  type        = string
}

variable "namespace" {
  description = "Namespace of the agents."
  type        = string
  default     = "monitoring"
}

variable "prometheus_remote_write_url" {
  description = "Grafana Cloud Prometheus remote-write endpoint, e.g. https://prometheus-prod-13-prod-us-east-0.grafana.net/api/prom/push."
  type        = string

  validation {
    condition     = startswith(var.prometheus_remote_write_url, "https://")
    error_message = "prometheus_remote_write_url must be an https:// URL."
  }
}

variable "loki_push_url" {
  description = "Grafana Cloud Loki push endpoint, e.g. https://logs-prod-006.grafana.net/loki/api/v1/push."
  type        = string

  validation {
    condition     = startswith(var.loki_push_url, "https://")
    error_message = "loki_push_url must be an https:// URL."
  }
}

variable "credentials_secret_name" {
  description = "Secrets Manager secret holding PROMETHEUS_USERNAME, PROMETHEUS_PASSWORD, LOKI_USERNAME and LOKI_PASSWORD."
  type        = string
}

variable "cluster_secret_store" {
  description = "ClusterSecretStore that reads Secrets Manager."
  type        = string
}

variable "prometheus_chart_version" {
  description = "Version of the prometheus-community/prometheus Helm chart."
  type        = string
  default     = "27.1.0"
}

variable "alloy_chart_version" {
  description = "Version of the grafana/alloy Helm chart."
  type        = string
  default     = "0.11.0"
}
