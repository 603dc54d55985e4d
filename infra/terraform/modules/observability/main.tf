locals {
  credentials_secret = "grafana-cloud-credentials"
}

resource "kubectl_manifest" "namespace" {
  server_side_apply = true
  yaml_body = yamlencode({
    apiVersion = "v1"
    kind       = "Namespace"
    metadata   = { name = var.namespace }
  })
}

# Grafana Cloud credentials come from Secrets Manager through External Secrets,
# never from Terraform variables or state.
resource "kubectl_manifest" "credentials" {
  server_side_apply = true
  yaml_body = yamlencode({
    apiVersion = "external-secrets.io/v1"
    kind       = "ExternalSecret"
    metadata = {
      name      = local.credentials_secret
      namespace = var.namespace
    }
    spec = {
      refreshInterval = "1h"
      secretStoreRef  = { kind = "ClusterSecretStore", name = var.cluster_secret_store }
      target          = { name = local.credentials_secret, creationPolicy = "Owner" }
      dataFrom        = [{ extract = { key = var.credentials_secret_name } }]
    }
  })

  depends_on = [kubectl_manifest.namespace]
}

# Prometheus in agent mode: scrape and remote-write only, no local TSDB, rules or UI.
resource "helm_release" "prometheus" {
  name       = "prometheus-agent"
  repository = "https://prometheus-community.github.io/helm-charts"
  chart      = "prometheus"
  version    = var.prometheus_chart_version
  namespace  = var.namespace
  wait       = true

  values = [yamlencode({
    alertmanager             = { enabled = false }
    prometheus-pushgateway   = { enabled = false }
    prometheus-node-exporter = { enabled = true }
    kube-state-metrics       = { enabled = true }
    configmapReload          = { prometheus = { enabled = true } }
    serverFiles              = { "alerting_rules.yml" = {}, "recording_rules.yml" = {} }
    server = {
      defaultFlagsOverride = [
        "--agent",
        "--config.file=/etc/config/prometheus.yml",
        "--storage.agent.path=/data",
        "--web.enable-lifecycle",
      ]
      persistentVolume = { enabled = false }
      global = {
        external_labels = { cluster = var.cluster_name }
      }
      extraSecretMounts = [{
        name       = local.credentials_secret
        mountPath  = "/etc/secrets/grafana-cloud"
        secretName = local.credentials_secret
        readOnly   = true
      }]
      remoteWrite = [{
        url = var.prometheus_remote_write_url
        basic_auth = {
          username_file = "/etc/secrets/grafana-cloud/PROMETHEUS_USERNAME"
          password_file = "/etc/secrets/grafana-cloud/PROMETHEUS_PASSWORD"
        }
      }]
    }
  })]

  depends_on = [kubectl_manifest.credentials]
}

# Grafana Alloy, not Promtail: Promtail is in long-term support only and reaches end
# of life in 2026; Alloy is Grafana's supported successor and reads the same pod logs.
resource "helm_release" "alloy" {
  name       = "alloy-logs"
  repository = "https://grafana.github.io/helm-charts"
  chart      = "alloy"
  version    = var.alloy_chart_version
  namespace  = var.namespace
  wait       = true

  values = [yamlencode({
    controller = { type = "daemonset" }
    alloy = {
      extraEnv = [
        { name = "NODE_NAME", valueFrom = { fieldRef = { fieldPath = "spec.nodeName" } } },
        { name = "LOKI_USERNAME", valueFrom = { secretKeyRef = { name = local.credentials_secret, key = "LOKI_USERNAME" } } },
        { name = "LOKI_PASSWORD", valueFrom = { secretKeyRef = { name = local.credentials_secret, key = "LOKI_PASSWORD" } } },
      ]
      configMap = {
        content = templatefile("${path.module}/alloy.river.tftpl", {
          cluster_name  = var.cluster_name
          loki_push_url = var.loki_push_url
        })
      }
    }
  })]

  depends_on = [kubectl_manifest.credentials]
}
