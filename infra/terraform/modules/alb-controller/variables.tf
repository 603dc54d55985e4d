variable "cluster_name" {
  description = "Name of the EKS cluster the controller manages load balancers for."
  type        = string
}

variable "vpc_id" {
  description = "VPC ID, passed to the controller so it never needs the node's instance metadata."
  type        = string
}

variable "region" {
  description = "AWS region of the cluster."
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

variable "chart_version" {
  description = "Version of the aws-load-balancer-controller Helm chart."
  type        = string
  default     = "1.11.0"
}

variable "namespace" {
  description = "Namespace the controller runs in."
  type        = string
  default     = "kube-system"
}

variable "tags" {
  description = "Cost-allocation and ownership tags added to every AWS resource and to the load balancers the controller creates."
  type        = map(string)
  default     = {}
}
