locals {
  crd_files = ["application-crd.yaml", "applicationset-crd.yaml", "appproject-crd.yaml"]
  alb_tags  = join(",", [for k, v in var.tags : "${k}=${v}"])
}

data "http" "crd" {
  for_each = toset(local.crd_files)

  url = "https://raw.githubusercontent.com/argoproj/argo-cd/${var.app_version}/manifests/crds/${each.value}"

  lifecycle {
    postcondition {
      condition     = self.status_code == 200
      error_message = "Could not download Argo CD CRD ${each.value} for ${var.app_version}."
    }
  }
}

# The ApplicationSet CRD is larger than the 256 KiB last-applied annotation that
# client-side apply writes, so CRDs are applied server-side and Helm skips them.
resource "kubectl_manifest" "crd" {
  for_each = data.http.crd

  yaml_body         = each.value.response_body
  server_side_apply = true
  force_conflicts   = true
  wait              = true
}

resource "helm_release" "this" {
  name             = "argo-cd"
  repository       = "https://argoproj.github.io/argo-helm"
  chart            = "argo-cd"
  version          = var.chart_version
  namespace        = var.namespace
  create_namespace = true
  wait             = true

  values = [yamlencode({
    crds = { install = false }
    configs = {
      params = {
        # TLS ends at the shared ALB; the server speaks HTTP behind it.
        "server.insecure" = true
      }
    }
    server = {
      replicas = 2
      ingress = {
        enabled          = true
        ingressClassName = "alb"
        hostname         = var.hostname
        annotations = {
          "alb.ingress.kubernetes.io/group.name"      = var.alb_group
          "alb.ingress.kubernetes.io/scheme"          = "internet-facing"
          "alb.ingress.kubernetes.io/target-type"     = "ip"
          "alb.ingress.kubernetes.io/listen-ports"    = jsonencode([{ HTTP = 80 }, { HTTPS = 443 }])
          "alb.ingress.kubernetes.io/ssl-redirect"    = "443"
          "alb.ingress.kubernetes.io/certificate-arn" = var.certificate_arn
          "alb.ingress.kubernetes.io/tags"            = local.alb_tags
        }
      }
    }
  })]

  depends_on = [kubectl_manifest.crd]
}
