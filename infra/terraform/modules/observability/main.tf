locals {
  credentials_secret = "grafana-cloud-credentials"
  forward_metrics    = var.prometheus_remote_write_url != ""
  forward_logs       = var.loki_push_url != ""
  loki_push_local    = "http://loki-gateway.${var.namespace}.svc.cluster.local/loki/api/v1/push"
  alloy_storage      = "/var/lib/alloy"
  # Alloy's pipeline: the pods of this node (discovery.kubernetes), labelled namespace,
  # pod, container and app, their log files (as the kubelet names them), CRI lines
  # unwrapped, then one loki.write per destination. Strings go in through jsonencode,
  # whose escapes Alloy's string syntax reads alike.
  alloy_config = <<-ALLOY
    discovery.kubernetes "pods" {
      role = "pod"
      selectors {
        role  = "pod"
        field = "spec.nodeName=" + sys.env("NODE_NAME")
      }
    }

    discovery.relabel "pods" {
      targets = discovery.kubernetes.pods.targets
      rule {
        source_labels = ["__meta_kubernetes_namespace"]
        target_label  = "namespace"
      }
      rule {
        source_labels = ["__meta_kubernetes_pod_name"]
        target_label  = "pod"
      }
      rule {
        source_labels = ["__meta_kubernetes_pod_container_name"]
        target_label  = "container"
      }
      rule {
        source_labels = ["__meta_kubernetes_pod_label_app_kubernetes_io_name"]
        target_label  = "app"
      }
      rule {
        source_labels = ["__meta_kubernetes_pod_uid", "__meta_kubernetes_pod_container_name"]
        separator     = "/"
        replacement   = "/var/log/pods/*$1/*.log"
        target_label  = "__path__"
      }
    }

    local.file_match "pods" {
      path_targets = discovery.relabel.pods.output
    }

    loki.source.file "pods" {
      targets    = local.file_match.pods.targets
      forward_to = [loki.process.pods.receiver]
    }

    loki.process "pods" {
      forward_to = [${join(", ", concat(["loki.write.cluster.receiver"], local.forward_logs ? ["loki.write.grafana_cloud.receiver"] : []))}]

      stage.cri {}
    }

    loki.write "cluster" {
      endpoint {
        url = ${jsonencode(local.loki_push_local)}
      }
      external_labels = { cluster = ${jsonencode(var.cluster_name)} }
    }
    %{if local.forward_logs~}

    loki.write "grafana_cloud" {
      endpoint {
        url = ${jsonencode(var.loki_push_url)}
        basic_auth {
          username = sys.env("LOKI_USERNAME")
          password = sys.env("LOKI_PASSWORD")
        }
      }
      external_labels = { cluster = ${jsonencode(var.cluster_name)} }
    }
    %{endif~}
  ALLOY
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
    # Chunks and index on an encrypted EBS volume (the ebs-csi module's class), so logs
    # outlive the pod. Removing the release keeps the volume: logs are deleted on purpose
    # (delete the PVC), never as a side effect of an upgrade or reinstall.
    singleBinary = {
      replicas = 1
      persistence = {
        enabled                        = true
        storageClass                   = var.loki_storage_class
        size                           = "${var.loki_volume_size_gb}Gi"
        enableStatefulSetAutoDeletePVC = false
      }
    }
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

# Grafana Alloy (Promtail's successor; Promtail reached its end of life in March 2026)
# runs on every node and ships the logs of the node's pods from /var/log/pods to Loki,
# and to Grafana Cloud Loki when configured. Alloy's read positions live on the node, so
# a restarted pod goes on where the last one stopped instead of sending logs twice.
resource "helm_release" "alloy" {
  name       = "alloy"
  repository = "https://grafana.github.io/helm-charts"
  chart      = "alloy"
  version    = var.alloy_chart_version
  namespace  = var.namespace
  wait       = true

  values = [yamlencode({
    alloy = {
      configMap       = { content = local.alloy_config }
      storagePath     = local.alloy_storage
      enableReporting = false # no usage reports leave the cluster
      mounts = {
        varlog = true # read-only /var/log, where the kubelet keeps pod logs
        extra  = [{ name = "positions", mountPath = local.alloy_storage }]
      }
      extraEnv = concat(
        [{ name = "NODE_NAME", valueFrom = { fieldRef = { fieldPath = "spec.nodeName" } } }],
        local.forward_logs ? [
          { name = "LOKI_USERNAME", valueFrom = { secretKeyRef = { name = local.credentials_secret, key = "LOKI_USERNAME" } } },
          { name = "LOKI_PASSWORD", valueFrom = { secretKeyRef = { name = local.credentials_secret, key = "LOKI_PASSWORD" } } },
        ] : [],
      )
    }
    controller = {
      type = "daemonset"
      volumes = {
        extra = [{
          name     = "positions"
          hostPath = { path = "/var/lib/goldpath-alloy", type = "DirectoryOrCreate" }
        }]
      }
    }
    serviceMonitor = { enabled = true }
  })]

  depends_on = [helm_release.loki]
}
