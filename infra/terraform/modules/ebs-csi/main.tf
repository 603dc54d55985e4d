data "aws_partition" "current" {}

locals {
  namespace       = "kube-system"
  service_account = "ebs-csi-controller-sa"
}

module "role" {
  source = "../irsa-role"

  name              = "${var.cluster_name}-ebs-csi-driver"
  oidc_provider_arn = var.oidc_provider_arn
  oidc_issuer       = var.oidc_issuer
  namespace         = local.namespace
  service_account   = local.service_account
  tags              = var.tags
}

# AWS's managed policy for the driver: it creates, attaches, resizes and deletes only
# volumes and snapshots tagged as made by an EBS CSI driver.
resource "aws_iam_role_policy_attachment" "driver" {
  role       = module.role.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"
}

# The driver as an EKS add-on, so AWS keeps it matched to the cluster's Kubernetes
# version (addon_version null: the add-on's default for that version).
resource "aws_eks_addon" "this" {
  cluster_name                = var.cluster_name
  addon_name                  = "aws-ebs-csi-driver"
  addon_version               = var.addon_version
  service_account_role_arn    = module.role.arn
  resolve_conflicts_on_create = "OVERWRITE"
  resolve_conflicts_on_update = "PRESERVE"

  tags = var.tags

  depends_on = [aws_iam_role_policy_attachment.driver]
}

# Encrypted gp3 volumes, created in the zone of the pod that first claims one, and the
# cluster's default class (EKS marks none from Kubernetes 1.30 on).
resource "kubectl_manifest" "storage_class" {
  server_side_apply = true
  yaml_body = yamlencode({
    apiVersion = "storage.k8s.io/v1"
    kind       = "StorageClass"
    metadata = {
      name = var.storage_class_name
      annotations = {
        "storageclass.kubernetes.io/is-default-class" = "true"
      }
      labels = {
        "app.kubernetes.io/managed-by" = "goldpath"
        "app.kubernetes.io/part-of"    = "goldpath-platform"
      }
    }
    provisioner          = "ebs.csi.aws.com"
    volumeBindingMode    = "WaitForFirstConsumer"
    allowVolumeExpansion = true
    reclaimPolicy        = "Delete"
    parameters = {
      type      = "gp3"
      encrypted = "true"
    }
  })

  depends_on = [aws_eks_addon.this]
}
