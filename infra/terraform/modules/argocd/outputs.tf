output "namespace" {
  description = "Namespace Argo CD runs in."
  value       = helm_release.this.namespace
}

output "server_url" {
  description = "URL of the Argo CD UI and API."
  value       = "https://${var.hostname}"
}

output "crds" {
  description = "Names of the CRDs applied server-side."
  value       = [for crd in kubectl_manifest.crd : crd.name]
}
