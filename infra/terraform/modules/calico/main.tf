# Policy-only mode: the Amazon VPC CNI keeps pod networking, Calico enforces
# NetworkPolicy (the default-deny policies every golden path ships).
resource "helm_release" "this" {
  name             = "calico"
  repository       = "https://docs.tigera.io/calico/charts"
  chart            = "tigera-operator"
  version          = var.chart_version
  namespace        = var.namespace
  create_namespace = true
  wait             = true

  values = [yamlencode({
    installation = {
      kubernetesProvider = "EKS"
      cni = {
        type = "AmazonVPC"
      }
    }
  })]
}
