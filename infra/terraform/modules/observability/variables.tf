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

variable "alloy_chart_version" {
  description = "Version of the grafana/alloy Helm chart (Grafana Alloy, the log shipper)."
  type        = string
  default     = "0.12.5"
}

variable "loki_storage_class" {
  description = "StorageClass of Loki's volume (the ebs-csi module's encrypted gp3 class)."
  type        = string
  default     = "gp3"
}

variable "loki_volume_size_gb" {
  description = "Size of Loki's volume in GiB: a week of the POC's logs fits in 10."
  type        = number
  default     = 10

  validation {
    condition     = var.loki_volume_size_gb >= 1 && floor(var.loki_volume_size_gb) == var.loki_volume_size_gb
    error_message = "loki_volume_size_gb must be a whole number of GiB, at least 1."
  }
}
