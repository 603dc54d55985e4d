variable "cluster_name" {
  description = "Cluster label added to every metric and log line."
  type        = string
}

variable "namespace" {
  description = "Namespace of the monitoring stack (labelled idp-role: monitoring)."
  type        = string
  default     = "monitoring"
}

variable "prometheus_remote_write_url" {
  description = "Optional Grafana Cloud Prometheus remote-write endpoint (https://...); empty keeps metrics in the cluster."
  type        = string
  default     = ""

  validation {
    condition     = var.prometheus_remote_write_url == "" || startswith(var.prometheus_remote_write_url, "https://")
    error_message = "prometheus_remote_write_url must be empty or an https:// URL."
  }
}

variable "loki_push_url" {
  description = "Optional Grafana Cloud Loki push endpoint (https://...); empty keeps logs in the cluster's Loki."
  type        = string
  default     = ""

  validation {
    condition     = var.loki_push_url == "" || startswith(var.loki_push_url, "https://")
    error_message = "loki_push_url must be empty or an https:// URL."
  }
}

variable "credentials_secret_name" {
  description = "Secrets Manager secret holding PROMETHEUS_USERNAME, PROMETHEUS_PASSWORD, LOKI_USERNAME and LOKI_PASSWORD (used only when forwarding to Grafana Cloud)."
  type        = string
  default     = ""
}

variable "cluster_secret_store" {
  description = "ClusterSecretStore that reads Secrets Manager (used only when forwarding to Grafana Cloud)."
  type        = string
  default     = ""
}

variable "prometheus_retention" {
  description = "How long Prometheus keeps samples in the cluster."
  type        = string
  default     = "7d"
}

variable "loki_retention" {
  description = "How long Loki keeps log lines in the cluster."
  type        = string
  default     = "168h"
}

variable "kube_prometheus_stack_chart_version" {
  description = "Version of the prometheus-community/kube-prometheus-stack Helm chart."
  type        = string
  default     = "67.9.0"
}

variable "loki_chart_version" {
  description = "Version of the grafana/loki Helm chart."
  type        = string
  default     = "6.24.0"
}

variable "promtail_chart_version" {
  description = "Version of the grafana/promtail Helm chart."
  type        = string
  default     = "6.16.6"
}
