variable "cluster_name" {
  description = "Name of the EKS cluster (prefix of the IAM role)."
  type        = string
}

variable "region" {
  description = "AWS region of Secrets Manager."
  type        = string
}

variable "oidc_provider_arn" {
  description = "ARN of the cluster's IAM OIDC provider (IRSA)."
  type        = string
}

variable "oidc_issuer" {
  description = "OIDC issuer host and path without https:// (IRSA trust condition)."
  type        = string
}

variable "secrets_prefix" {
  description = "Secrets Manager name prefix the operator may read (e.g. goldpath); nothing outside it."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9/_+=.@-]+$", var.secrets_prefix)) && !endswith(var.secrets_prefix, "/")
    error_message = "secrets_prefix must use Secrets Manager name characters and not end with '/'."
  }
}

variable "kms_key_arn" {
  description = "KMS key that encrypts the secrets under secrets_prefix."
  type        = string
}

variable "chart_version" {
  description = "Version of the external-secrets Helm chart (must serve the external-secrets.io/v1 API)."
  type        = string
  default     = "0.18.2"
}

variable "namespace" {
  description = "Namespace the operator runs in."
  type        = string
  default     = "external-secrets"
}

variable "store_name" {
  description = "Name of the ClusterSecretStore backed by Secrets Manager."
  type        = string
  default     = "aws-secrets-manager"
}

variable "tags" {
  description = "Cost-allocation and ownership tags added to every AWS resource."
  type        = map(string)
  default     = {}
}
