variable "name" {
  description = "Name prefix for every resource of this VPC."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}[a-z0-9]$", var.name))
    error_message = "name must be 3-32 characters of lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "cidr" {
  description = "IPv4 CIDR block of the VPC."
  type        = string
  default     = "10.0.0.0/16"

  validation {
    condition     = can(cidrhost(var.cidr, 0)) && tonumber(split("/", var.cidr)[1]) <= 20
    error_message = "cidr must be a valid IPv4 CIDR block of size /20 or larger."
  }
}

variable "availability_zones" {
  description = "Availability zone names to spread public and private subnets across (an explicit list, so a new AZ never changes the plan)."
  type        = list(string)

  validation {
    condition     = length(var.availability_zones) >= 2 && length(var.availability_zones) <= 4
    error_message = "availability_zones must list 2 to 4 zones (EKS needs subnets in at least two AZs)."
  }
}

variable "single_nat_gateway" {
  description = "Use one NAT gateway for all private subnets (cheaper) instead of one per AZ (zonal resilience)."
  type        = bool
  default     = true
}

variable "interface_endpoint_az_count" {
  description = "Number of AZs that get an ENI for each interface VPC endpoint (each costs per AZ-hour)."
  type        = number
  default     = 1

  validation {
    condition     = var.interface_endpoint_az_count >= 1 && var.interface_endpoint_az_count <= 4
    error_message = "interface_endpoint_az_count must be between 1 and 4."
  }
}

variable "interface_endpoints" {
  description = "AWS services reached privately through interface endpoints, so private nodes do not need NAT for them."
  type        = list(string)
  default     = ["ecr.api", "ecr.dkr", "sts", "secretsmanager", "logs"]
}

variable "cluster_name" {
  description = "EKS cluster name, used for the subnet discovery tags of the AWS Load Balancer Controller."
  type        = string
}

variable "flow_log_retention_days" {
  description = "Retention of VPC flow logs in CloudWatch Logs, in days."
  type        = number
  default     = 365

  validation {
    condition     = contains([365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.flow_log_retention_days)
    error_message = "flow_log_retention_days must be a CloudWatch retention value of at least 365 days."
  }
}

variable "tags" {
  description = "Cost-allocation and ownership tags added to every resource."
  type        = map(string)
  default     = {}
}
