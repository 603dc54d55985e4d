variable "chart_version" {
  description = "Version of the argo-cd Helm chart."
  type        = string
  default     = "7.7.11"
}

variable "app_version" {
  description = "Argo CD release whose CRDs are applied server-side; must match chart_version's appVersion."
  type        = string
  default     = "v2.13.2"

  validation {
    condition     = can(regex("^v[0-9]+\\.[0-9]+\\.[0-9]+$", var.app_version))
    error_message = "app_version must be an Argo CD release tag such as v2.13.2."
  }
}

variable "namespace" {
  description = "Namespace Argo CD runs in."
  type        = string
  default     = "argocd"
}

variable "hostname" {
  description = "Host name of the Argo CD UI and API on the shared ALB, e.g. argocd.platform.example.com."
  type        = string
}

variable "certificate_arn" {
  description = "ACM certificate ARN served by the shared ALB."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:acm:", var.certificate_arn))
    error_message = "certificate_arn must be an ACM certificate ARN."
  }
}

variable "alb_group" {
  description = "Ingress group name of the shared ALB (alb.ingress.kubernetes.io/group.name)."
  type        = string
  default     = "platform"
}

variable "tags" {
  description = "Cost-allocation tags added to the ALB resources the ingress creates."
  type        = map(string)
  default     = {}
}
