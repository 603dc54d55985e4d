variable "aws_region" {
  description = "AWS region of the platform."
  type        = string
  default     = "us-east-2"

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.aws_region))
    error_message = "aws_region must be an AWS region name such as us-east-2."
  }
}

variable "project" {
  description = "Project cost-allocation tag."
  type        = string
  default     = "goldpath"
}

variable "environment" {
  description = "Environment cost-allocation tag and name suffix."
  type        = string
  default     = "poc"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,15}$", var.environment))
    error_message = "environment must be 2-16 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "cost_center" {
  description = "cost-center cost-allocation tag."
  type        = string
}

variable "owner" {
  description = "owner tag: the team or e-mail address accountable for these resources."
  type        = string
}

variable "extra_tags" {
  description = "Additional tags applied to every resource."
  type        = map(string)
  default     = {}
}

variable "gitlab_url" {
  description = "GitLab instance URL, https://<platform.git_host> without a trailing slash: app pipelines assume their CI role through its OIDC provider (\"\" creates none)."
  type        = string

  validation {
    condition     = var.gitlab_url == "" || can(regex("^https://[^/\\s]+(/[^/\\s]+)*$", var.gitlab_url))
    error_message = "gitlab_url must be an https:// URL without a trailing slash, such as https://gitlab.example.com (or \"\" for no OIDC provider)."
  }
}

variable "cluster_name" {
  description = "Name of the EKS cluster."
  type        = string
  default     = "goldpath-poc"
}

variable "kubernetes_version" {
  description = "Kubernetes minor version."
  type        = string
  default     = "1.31"
}

variable "vpc_cidr" {
  description = "IPv4 CIDR of the VPC."
  type        = string
  default     = "10.0.0.0/16"
}

variable "service_cidr" {
  description = "IPv4 CIDR of Kubernetes Services; must not overlap vpc_cidr."
  type        = string
  default     = "172.20.0.0/16"
}

variable "availability_zones" {
  description = "Availability zones for the subnets (at least two)."
  type        = list(string)
  default     = ["us-east-2a", "us-east-2b"]
}

variable "single_nat_gateway" {
  description = "One NAT gateway for all AZs (cheaper) instead of one per AZ."
  type        = bool
  default     = true
}

variable "interface_endpoint_az_count" {
  description = "AZs that get an ENI per interface endpoint (cost is per endpoint per AZ)."
  type        = number
  default     = 1
}

variable "interface_endpoints" {
  description = "Services reached through interface VPC endpoints."
  type        = list(string)
  default     = ["ecr.api", "ecr.dkr", "sts", "secretsmanager", "logs"]
}

variable "endpoint_public_access" {
  description = "Expose the Kubernetes API publicly (restricted to public_access_cidrs)."
  type        = bool
  default     = false
}

variable "public_access_cidrs" {
  description = "Operator networks allowed to the public API endpoint when it is enabled."
  type        = list(string)
  default     = []
}

variable "node_instance_types" {
  description = "x86_64 instance types of the node group."
  type        = list(string)
  default     = ["t3.medium"]
}

variable "node_desired_size" {
  description = "Desired number of nodes."
  type        = number
  default     = 2
}

variable "node_min_size" {
  description = "Minimum number of nodes."
  type        = number
  default     = 2
}

variable "node_max_size" {
  description = "Maximum number of nodes."
  type        = number
  default     = 4
}

variable "node_disk_size_gb" {
  description = "Root volume of each node, in GiB."
  type        = number
  default     = 20
}

variable "domain" {
  description = "Platform domain (apps at <name>.<domain>, the portal at backstage.<domain>)."
  type        = string
}

variable "create_zone" {
  description = "Create the Route53 zone instead of looking up the existing one."
  type        = bool
  default     = false
}

variable "alb_dns_name" {
  description = "DNS name of the shared ALB, known after the first ingress exists; empty until then."
  type        = string
  default     = ""
}

variable "alb_zone_id" {
  description = "Canonical hosted zone ID of the shared ALB."
  type        = string
  default     = ""
}

variable "alb_group" {
  description = "Ingress group of the shared ALB."
  type        = string
  default     = "platform"
}

variable "ecr_repositories" {
  description = "Platform ECR repositories."
  type        = list(string)
  default     = ["goldpath"]
}

variable "ecr_storage_gb" {
  description = "Expected ECR storage in GB (used only by `goldpath platform cost`)."
  type        = number
  default     = 5
}

variable "secrets_prefix" {
  description = "Secrets Manager prefix of the platform secrets."
  type        = string
  default     = "goldpath"
}

variable "prometheus_remote_write_url" {
  description = "Optional Grafana Cloud Prometheus remote-write URL; empty keeps metrics in the cluster."
  type        = string
  default     = ""
}

variable "loki_push_url" {
  description = "Optional Grafana Cloud Loki push URL; empty keeps logs in the cluster's Loki."
  type        = string
  default     = ""
}

variable "loki_volume_size_gb" {
  description = "Size of the in-cluster Loki's EBS volume, in GiB."
  type        = number
  default     = 10
}
