locals {
  credentials_secret = "grafana-cloud-credentials"
  forward_metrics    = var.prometheus_remote_write_url != ""
  forward_logs       = var.loki_push_url != ""
  loki_push_local    = "http://loki-gateway.${var.namespace}.svc.cluster.local/loki/api/v1/push"
}

# The label every app's default-deny NetworkPolicies allow scraping from
# (allow-monitoring-ingress selects namespaces with idp-role: monitoring), and the one the
# monitoring namespace's own egress policy is written for (goldpath.gitops._network).
resource "kubectl_manifest" "namespace" {
  server_side_apply = true
  yaml_body = yamlencode({
    apiVersion = "v1"
    kind       = "Namespace"
    metadata = {
      name = var.namespace
      labels = {
        "idp-role"                     = "monitoring"
        "app.kubernetes.io/managed-by" = "goldpath"
        "app.kubernetes.io/part-of"    = "goldpath-platform"
      }
    }
  })
}

# Grafana Cloud credentials (only when forwarding) come from Secrets Manager through
# External Secrets, never from Terraform variables or state.
resource "kubectl_manifest" "credentials" {
  count = local.forward_metrics || local.forward_logs ? 1 : 0

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

# kube-prometheus-stack: the Prometheus Operator with its CRDs (ServiceMonitor,
# PrometheusRule, ...), which every app's manifests need, plus Prometheus, Alertmanager,
# Grafana, kube-state-metrics and node-exporter. Helm installs the CRDs on the first
# install only; an upgrade that changes them applies them first (see docs/deployment.md).
resource "helm_release" "kube_prometheus_stack" {
  name       = "kube-prometheus-stack"
  repository = "https://prometheus-community.github.io/helm-charts"
  chart      = "kube-prometheus-stack"
  version    = var.kube_prometheus_stack_chart_version
  namespace  = var.namespace
  skip_crds  = false
  wait       = true
  timeout    = 900

  values = [yamlencode({
    crds = { enabled = true }
    prometheus = {
      prometheusSpec = {
        # Select every ServiceMonitor and PrometheusRule in every namespace, not only
        # the chart's own: each app ships its own in its namespace.
        serviceMonitorSelectorNilUsesHelmValues = false
        podMonitorSelectorNilUsesHelmValues     = false
        ruleSelectorNilUsesHelmValues           = false
        probeSelectorNilUsesHelmValues          = false
        serviceMonitorNamespaceSelector         = {}
        ruleNamespaceSelector                   = {}
        retention                               = var.prometheus_retention
        externalLabels                          = { cluster = var.cluster_name }
        remoteWrite = local.forward_metrics ? [{
          url = var.prometheus_remote_write_url
          basicAuth = {
            username = { name = local.credentials_secret, key = "PROMETHEUS_USERNAME" }
            password = { name = local.credentials_secret, key = "PROMETHEUS_PASSWORD" }
          }
        }] : []
      }
    }
    grafana = {
      sidecar = {
        # Each app's dashboard ConfigMap (label grafana_dashboard: "1") from any namespace.
        dashboards = {
          enabled          = true
          label            = "grafana_dashboard"
          labelValue       = "1"
          searchNamespace  = "ALL"
          folderAnnotation = "goldpath.io/dashboard-folder"
          provider         = { foldersFromFilesStructure = true }
        }
        # The platform repo's Loki data source (label grafana_datasource: "1").
        datasources = {
          enabled         = true
          label           = "grafana_datasource"
          labelValue      = "1"
          searchNamespace = "ALL"
        }
      }
    }
  })]

  depends_on = [kubectl_manifest.namespace, kubectl_manifest.credentials]
}

# Loki in single-binary mode: enough for the POC's log volume.
resource "helm_release" "loki" {
  name       = "loki"
  repository = "https://grafana.github.io/helm-charts"
  chart      = "loki"
  version    = var.loki_chart_version
  namespace  = var.namespace
  wait       = true
  timeout    = 900

  values = [yamlencode({
    deploymentMode = "SingleBinary"
    loki = {
      auth_enabled = false
      commonConfig = { replication_factor = 1 }
      storage      = { type = "filesystem" }
      schemaConfig = {
        configs = [{
          from         = "2024-01-01"
          store        = "tsdb"
          object_store = "filesystem"
          schema       = "v13"
          index        = { prefix = "loki_index_", period = "24h" }
        }]
      }
      limits_config = { retention_period = var.loki_retention }
    }
    # The cluster runs no EBS CSI driver: Loki keeps its chunks on the pod's emptyDir,
    # so logs older than the pod are in Grafana Cloud only (when forwarding).
    singleBinary = { replicas = 1, persistence = { enabled = false } }
    read         = { replicas = 0 }
    write        = { replicas = 0 }
    backend      = { replicas = 0 }
    chunksCache  = { enabled = false }
    resultsCache = { enabled = false }
    gateway      = { enabled = true }
    lokiCanary   = { enabled = false }
    test         = { enabled = false }
    monitoring   = { serviceMonitor = { enabled = true } }
  })]

  depends_on = [helm_release.kube_prometheus_stack]
}

# Promtail ships every pod's logs to Loki (and to Grafana Cloud Loki when configured).
resource "helm_release" "promtail" {
  name       = "promtail"
  repository = "https://grafana.github.io/helm-charts"
  chart      = "promtail"
  version    = var.promtail_chart_version
  namespace  = var.namespace
  wait       = true

  values = [yamlencode({
    extraArgs = local.forward_logs ? ["-config.expand-env=true"] : []
    extraEnv = local.forward_logs ? [
      { name = "LOKI_USERNAME", valueFrom = { secretKeyRef = { name = local.credentials_secret, key = "LOKI_USERNAME" } } },
      { name = "LOKI_PASSWORD", valueFrom = { secretKeyRef = { name = local.credentials_secret, key = "LOKI_PASSWORD" } } },
    ] : []
    config = {
      clients = concat(
        [{ url = local.loki_push_local, external_labels = { cluster = var.cluster_name } }],
        local.forward_logs ? [{
          url             = var.loki_push_url
          external_labels = { cluster = var.cluster_name }
          basic_auth      = { username = "$${LOKI_USERNAME}", password = "$${LOKI_PASSWORD}" }
        }] : [],
      )
    }
    serviceMonitor = { enabled = true }
  })]

  depends_on = [helm_release.loki]
}
