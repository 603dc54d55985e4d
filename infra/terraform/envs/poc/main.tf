module "vpc" {
  source = "../../modules/vpc"

  name                        = "${var.project}-${var.environment}"
  cidr                        = var.vpc_cidr
  availability_zones          = var.availability_zones
  single_nat_gateway          = var.single_nat_gateway
  interface_endpoint_az_count = var.interface_endpoint_az_count
  interface_endpoints         = var.interface_endpoints
  cluster_name                = var.cluster_name
  tags                        = local.tags
}

module "eks" {
  source = "../../modules/eks"

  cluster_name           = var.cluster_name
  kubernetes_version     = var.kubernetes_version
  vpc_id                 = module.vpc.vpc_id
  subnet_ids             = module.vpc.private_subnet_ids
  service_cidr           = var.service_cidr
  endpoint_public_access = var.endpoint_public_access
  public_access_cidrs    = var.public_access_cidrs
  node_instance_types    = var.node_instance_types
  node_desired_size      = var.node_desired_size
  node_min_size          = var.node_min_size
  node_max_size          = var.node_max_size
  node_disk_size_gb      = var.node_disk_size_gb
  tags                   = local.tags
}

module "ecr" {
  source = "../../modules/ecr"

  repositories        = var.ecr_repositories
  pull_principal_arns = [module.eks.node_role_arn]
  gitlab_url          = var.gitlab_url
  tags                = local.tags
}

module "dns" {
  source = "../../modules/dns"

  domain       = var.domain
  create_zone  = var.create_zone
  alb_dns_name = var.alb_dns_name
  alb_zone_id  = var.alb_zone_id
  tags         = local.tags
}

module "acm" {
  source = "../../modules/acm"

  domain  = var.domain
  zone_id = module.dns.zone_id
  tags    = local.tags
}

module "secrets_manager" {
  source = "../../modules/secrets-manager"

  secrets_prefix = var.secrets_prefix
  tags           = local.tags
}

module "calico" {
  source = "../../modules/calico"

  depends_on = [module.eks]
}

module "alb_controller" {
  source = "../../modules/alb-controller"

  cluster_name      = module.eks.cluster_name
  vpc_id            = module.vpc.vpc_id
  region            = var.aws_region
  oidc_provider_arn = module.eks.oidc_provider_arn
  oidc_issuer       = module.eks.oidc_issuer
  tags              = local.tags
}

module "external_secrets" {
  source = "../../modules/external-secrets"

  cluster_name      = module.eks.cluster_name
  region            = var.aws_region
  oidc_provider_arn = module.eks.oidc_provider_arn
  oidc_issuer       = module.eks.oidc_issuer
  secrets_prefix    = var.secrets_prefix
  kms_key_arn       = module.secrets_manager.kms_key_arn
  tags              = local.tags
}

module "argocd" {
  source = "../../modules/argocd"

  hostname        = "argocd.${var.domain}"
  certificate_arn = module.acm.certificate_arn
  alb_group       = var.alb_group
  tags            = local.tags

  depends_on = [module.alb_controller]
}

module "ebs_csi" {
  source = "../../modules/ebs-csi"

  cluster_name      = module.eks.cluster_name
  oidc_provider_arn = module.eks.oidc_provider_arn
  oidc_issuer       = module.eks.oidc_issuer
  tags              = local.tags
}

module "observability" {
  source = "../../modules/observability"

  cluster_name                = module.eks.cluster_name
  prometheus_remote_write_url = var.prometheus_remote_write_url
  loki_push_url               = var.loki_push_url
  loki_storage_class          = module.ebs_csi.storage_class_name
  loki_volume_size_gb         = var.loki_volume_size_gb
  credentials_secret_name     = module.secrets_manager.secret_names["grafana-cloud"]
  # The platform GitOps repo's store for platform secrets (argocd and monitoring only);
  # the apps' store serves workload namespaces only.
  cluster_secret_store = "aws-secrets-manager-platform"

  # The ExternalSecret CRD must exist before the credentials' ExternalSecret is applied.
  depends_on = [module.external_secrets]
}
