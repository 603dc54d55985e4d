variable "repositories" {
  description = "Names of the platform's own ECR repositories (the portal image, for example)."
  type        = list(string)
  default     = ["goldpath"]

  validation {
    condition     = alltrue([for r in var.repositories : can(regex("^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$", r))])
    error_message = "repositories must be valid ECR names: lowercase letters, digits, '.', '_', '-' and '/' separators."
  }
}

variable "app_repository_prefix" {
  description = "Namespace under which scaffolded applications get their own repository (e.g. apps/<name>)."
  type        = string
  default     = "apps"

  validation {
    condition     = can(regex("^[a-z0-9]+(?:[._-][a-z0-9]+)*$", var.app_repository_prefix))
    error_message = "app_repository_prefix must be a single lowercase ECR path segment."
  }
}

variable "keep_tagged_images" {
  description = "How many tagged images each repository keeps before the lifecycle policy expires older ones."
  type        = number
  default     = 30

  validation {
    condition     = var.keep_tagged_images >= 1
    error_message = "keep_tagged_images must be at least 1."
  }
}

variable "untagged_expiry_days" {
  description = "Days after which untagged images are expired."
  type        = number
  default     = 7

  validation {
    condition     = var.untagged_expiry_days >= 1
    error_message = "untagged_expiry_days must be at least 1."
  }
}

variable "pull_principal_arns" {
  description = "IAM role ARNs (typically the EKS node role) that may pull from every repository."
  type        = list(string)
  default     = []
}

variable "gitlab_url" {
  description = "HTTPS URL of the GitLab instance whose pipelines push images (e.g. https://gitlab.example.com): its OIDC provider is created in IAM so each app's pipeline can assume its own CI role. Empty creates no provider."
  type        = string
  default     = ""

  validation {
    condition     = var.gitlab_url == "" || can(regex("^https://[^/\\s]+(/[^/\\s]+)*$", var.gitlab_url))
    error_message = "gitlab_url must be empty or an https:// URL without a trailing slash, such as https://gitlab.example.com."
  }
}

variable "tags" {
  description = "Cost-allocation and ownership tags added to every resource."
  type        = map(string)
  default     = {}
}
