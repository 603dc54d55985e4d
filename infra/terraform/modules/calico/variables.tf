variable "chart_version" {
  description = "Version of the tigera-operator Helm chart (Calico release)."
  type        = string
  default     = "v3.29.1"

  validation {
    condition     = can(regex("^v3\\.[0-9]+\\.[0-9]+$", var.chart_version))
    error_message = "chart_version must be a Calico 3.x release such as v3.29.1."
  }
}

variable "namespace" {
  description = "Namespace of the Tigera operator."
  type        = string
  default     = "tigera-operator"
}
