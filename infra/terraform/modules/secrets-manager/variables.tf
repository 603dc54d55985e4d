variable "secrets_prefix" {
  description = "Name prefix of every platform secret in Secrets Manager (e.g. goldpath -> goldpath/platform)."
  type        = string
  default     = "goldpath"

  validation {
    condition     = can(regex("^[A-Za-z0-9/_+=.@-]+$", var.secrets_prefix)) && !endswith(var.secrets_prefix, "/")
    error_message = "secrets_prefix must use Secrets Manager name characters and not end with '/'."
  }
}

variable "secrets" {
  description = "Secrets to create (name under the prefix -> the keys its JSON value must hold). Values are set out of band, never from Terraform."
  type        = map(list(string))
  default = {
    platform = [
      "GITHUB_CLIENT_ID",
      "GITHUB_CLIENT_SECRET",
      "GITLAB_TOKEN",
      "GITOPS_DEPLOY_TOKEN",
      "DATABASE_URL",
      "SESSION_SECRET",
    ]
    grafana-cloud = [
      "PROMETHEUS_USERNAME",
      "PROMETHEUS_PASSWORD",
      "LOKI_USERNAME",
      "LOKI_PASSWORD",
    ]
    # Argo CD's credentials for the GitOps group (the platform repo's repo-creds ExternalSecret).
    argocd-repo-creds = [
      "username",
      "password",
    ]
  }

  validation {
    condition     = contains(keys(var.secrets), "platform") && alltrue([for key in ["GITHUB_CLIENT_ID", "GITHUB_CLIENT_SECRET", "GITLAB_TOKEN", "GITOPS_DEPLOY_TOKEN"] : contains(lookup(var.secrets, "platform", []), key)])
    error_message = "secrets must contain \"platform\" with at least GITHUB_CLIENT_ID, GITHUB_CLIENT_SECRET, GITLAB_TOKEN and GITOPS_DEPLOY_TOKEN."
  }
}

variable "recovery_window_days" {
  description = "Days a deleted secret can still be restored."
  type        = number
  default     = 30

  validation {
    condition     = var.recovery_window_days >= 7 && var.recovery_window_days <= 30
    error_message = "recovery_window_days must be between 7 and 30."
  }
}

variable "tags" {
  description = "Cost-allocation and ownership tags added to every resource."
  type        = map(string)
  default     = {}
}
