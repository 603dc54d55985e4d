terraform {
  required_version = ">= 1.6.0"

  # Partial configuration: bucket, region and dynamodb_table come from backend.hcl
  # (see backend.hcl.example), created beforehand by `goldpath platform bootstrap-backend`.
  backend "s3" {
    key     = "envs/poc/terraform.tfstate"
    encrypt = true
  }

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.80"
    }
    helm = {
      source  = "hashicorp/helm"
      version = "~> 2.17"
    }
    http = {
      source  = "hashicorp/http"
      version = "~> 3.4"
    }
    kubectl = {
      source  = "alekc/kubectl"
      version = "~> 2.1"
    }
    tls = {
      source  = "hashicorp/tls"
      version = "~> 4.0"
    }
  }
}
