variable "domain" {
  description = "Platform domain; apps are served at <name>.<domain> through the shared wildcard record."
  type        = string

  validation {
    condition     = can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,}$", var.domain))
    error_message = "domain must be a lowercase DNS name such as platform.example.com, without a trailing dot."
  }
}

variable "create_zone" {
  description = "Create the hosted zone. Off by default: the zone is looked up, because a second zone with the same name silently takes no traffic."
  type        = bool
  default     = false
}

variable "alb_dns_name" {
  description = "DNS name of the shared ALB (from the ingress group). Empty until the ALB exists; the wildcard record is created once it is set."
  type        = string
  default     = ""
}

variable "alb_zone_id" {
  description = "Canonical hosted zone ID of the shared ALB. Required when alb_dns_name is set."
  type        = string
  default     = ""
}

variable "tags" {
  description = "Cost-allocation and ownership tags added to every resource."
  type        = map(string)
  default     = {}
}
