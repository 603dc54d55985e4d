variable "cluster_name" {
  description = "Name of the EKS cluster the driver is added to (prefix of its IAM role)."
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

variable "addon_version" {
  description = "Version of the aws-ebs-csi-driver EKS add-on; null takes the add-on's default for the cluster's Kubernetes version."
  type        = string
  default     = null
}

variable "storage_class_name" {
  description = "Name of the encrypted gp3 StorageClass (the cluster's default) that persistent volumes use."
  type        = string
  default     = "gp3"

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$", var.storage_class_name)) && length(var.storage_class_name) <= 253
    error_message = "storage_class_name must be a Kubernetes object name: lowercase letters, digits, '-' and '.', starting and ending with a letter or digit."
  }
}

variable "tags" {
  description = "Cost-allocation and ownership tags added to every AWS resource."
  type        = map(string)
  default     = {}
}
