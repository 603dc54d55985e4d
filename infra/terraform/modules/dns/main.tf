# Looked up by default: the seed once created a duplicate zone that the registrar
# never delegated to, so records "existed" but did not resolve.
data "aws_route53_zone" "existing" {
  count = var.create_zone ? 0 : 1

  name         = var.domain
  private_zone = false
}

resource "aws_route53_zone" "created" {
  # checkov:skip=CKV2_AWS_38:DNSSEC needs a KMS key in us-east-1 and a DS record at the registrar; enable it after delegation, outside the POC.
  # checkov:skip=CKV2_AWS_39:Query logging is only available to us-east-1 log groups; the POC relies on ALB access logs instead.
  count = var.create_zone ? 1 : 0

  name          = var.domain
  comment       = "goldpath platform zone"
  force_destroy = false

  tags = var.tags
}

locals {
  zone_id      = var.create_zone ? aws_route53_zone.created[0].zone_id : data.aws_route53_zone.existing[0].zone_id
  name_servers = var.create_zone ? aws_route53_zone.created[0].name_servers : data.aws_route53_zone.existing[0].name_servers
}

# The single shared wildcard to the shared ALB. allow_overwrite replaces a stale record
# left by a previous ALB instead of failing or keeping the old target.
resource "aws_route53_record" "wildcard" {
  # checkov:skip=CKV2_AWS_23:The target ALB is created by the AWS Load Balancer Controller from Ingress objects, not by Terraform, so no resource is visible to attach.
  count = var.alb_dns_name == "" ? 0 : 1

  zone_id         = local.zone_id
  name            = "*.${var.domain}"
  type            = "A"
  allow_overwrite = true

  alias {
    name                   = var.alb_dns_name
    zone_id                = var.alb_zone_id
    evaluate_target_health = true
  }

  lifecycle {
    precondition {
      condition     = var.alb_zone_id != ""
      error_message = "alb_zone_id must be set together with alb_dns_name."
    }
  }
}
