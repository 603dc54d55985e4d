variable "domain" {
  description = "Platform domain; the certificate covers it and *.<domain>."
  type        = string

  validation {
    condition     = can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,}$", var.domain))
    error_message = "domain must be a lowercase DNS name such as platform.example.com, without a trailing dot."
  }
}

variable "zone_id" {
  description = "Route53 hosted zone ID where the DNS validation records are written."
  type        = string
}

variable "wait_for_validation" {
  description = "Block until ACM reports ISSUED (needs working DNS delegation; can take minutes to hours)."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Cost-allocation and ownership tags added to every resource."
  type        = map(string)
  default     = {}
}
