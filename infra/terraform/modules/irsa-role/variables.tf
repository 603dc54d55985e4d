variable "name" {
  description = "Name of the IAM role."
  type        = string

  validation {
    condition     = can(regex("^[\\w+=,.@-]{1,64}$", var.name))
    error_message = "An IAM role name is 1-64 characters of letters, digits and +=,.@_-."
  }
}

variable "oidc_provider_arn" {
  description = "ARN of the cluster's IAM OIDC provider (IRSA)."
  type        = string
}

variable "oidc_issuer" {
  description = "OIDC issuer host and path without https:// (IRSA trust condition)."
  type        = string

  validation {
    condition     = !startswith(var.oidc_issuer, "https://")
    error_message = "Give the issuer without https:// (it is the prefix of the condition keys)."
  }
}

variable "namespace" {
  description = "Kubernetes namespace of the ServiceAccount that may assume the role."
  type        = string
}

variable "service_account" {
  description = "Name of the ServiceAccount that may assume the role."
  type        = string
}

variable "tags" {
  description = "Cost-allocation and ownership tags applied to the role."
  type        = map(string)
  default     = {}
}
