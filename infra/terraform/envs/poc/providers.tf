provider "aws" {
  region = var.aws_region

  # Cost-allocation tags on every AWS resource (activate them in the Billing console).
  default_tags {
    tags = local.tags
  }
}

locals {
  # The same keys goldpath puts on each app's ECR repository and secret, so one Cost
  # Explorer grouping (`goldpath platform cost --group-by app|owner|cost-center`) covers
  # the platform and every app. The platform's own resources are the app "goldpath".
  tags = merge(var.extra_tags, {
    app         = var.project
    owner       = var.owner
    cost-center = var.cost_center
    managed-by  = "terraform"
    Project     = var.project
    Environment = var.environment
  })

  kube_exec = {
    api_version = "client.authentication.k8s.io/v1beta1"
    command     = "aws"
    args        = ["eks", "get-token", "--cluster-name", module.eks.cluster_name, "--region", var.aws_region]
  }
}

provider "helm" {
  kubernetes {
    host                   = module.eks.cluster_endpoint
    cluster_ca_certificate = base64decode(module.eks.cluster_certificate_authority_data)

    exec {
      api_version = local.kube_exec.api_version
      command     = local.kube_exec.command
      args        = local.kube_exec.args
    }
  }
}

provider "kubectl" {
  host                   = module.eks.cluster_endpoint
  cluster_ca_certificate = base64decode(module.eks.cluster_certificate_authority_data)
  load_config_file       = false

  exec {
    api_version = local.kube_exec.api_version
    command     = local.kube_exec.command
    args        = local.kube_exec.args
  }
}
