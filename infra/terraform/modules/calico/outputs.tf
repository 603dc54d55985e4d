output "namespace" {
  description = "Namespace of the Tigera operator."
  value       = helm_release.this.namespace
}

output "cni_mode" {
  description = "CNI type Calico runs alongside (policy enforcement only)."
  value       = "AmazonVPC"
}
