"""``cost``: the monthly AWS bill of a Terraform configuration, and the break-even."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from goldpath.errors import FieldError, InvalidInputError
from goldpath.platform._terraform import load_tfvars

__all__ = [
    "BreakEven",
    "CostEstimate",
    "CostItem",
    "PriceTable",
    "ROOT_DEFAULTS",
    "break_even_services",
    "estimate_cost",
    "estimate_from_tfvars",
    "load_price_table",
]

# Defaults of infra/terraform/envs/poc/variables.tf that the cost depends on
# (a test keeps the two in step).
ROOT_DEFAULTS: dict[str, Any] = {
    "aws_region": "us-east-2",
    "availability_zones": ["us-east-2a", "us-east-2b"],
    "single_nat_gateway": True,
    "interface_endpoint_az_count": 1,
    "interface_endpoints": ["ecr.api", "ecr.dkr", "sts", "secretsmanager", "logs"],
    "node_instance_types": ["t3.medium"],
    "node_desired_size": 2,
    "node_disk_size_gb": 20,
    "create_zone": False,
    "ecr_storage_gb": 5,
    "loki_volume_size_gb": 10,
}
# The secrets-manager module creates <prefix>/platform, <prefix>/grafana-cloud and
# <prefix>/argocd-repo-creds.
PLATFORM_SECRETS = 3
# One LCU-hour covers a small portal's traffic; the ALB has one public IPv4 per AZ.
ALB_LCUS = 1


@dataclass(frozen=True, slots=True)
class PriceTable:
    """Dated unit prices of one region."""

    region: str
    as_of: str
    hours_per_month: int
    prices: Mapping[str, Any]

    def __getitem__(self, key: str) -> float:
        return float(self.prices[key])

    def instance_hour(self, instance_type: str) -> float | None:
        """Hourly on-demand price of an instance type, or None when the table lacks it."""
        value = self.prices["ec2_instance_hour"].get(instance_type)
        return None if value is None else float(value)


@dataclass(frozen=True, slots=True)
class CostItem:
    """One line of the estimate."""

    name: str
    quantity: float
    unit: str
    unit_usd: float
    monthly_usd: float

    def as_dict(self) -> dict[str, Any]:
        """A JSON-friendly form of the line."""
        return {
            "name": self.name,
            "quantity": self.quantity,
            "unit": self.unit,
            "unit_usd": self.unit_usd,
            "monthly_usd": round(self.monthly_usd, 2),
        }


@dataclass(frozen=True, slots=True)
class BreakEven:
    """Manual set-up versus the platform over a horizon."""

    manual_hours_per_service: float
    hourly_rate_usd: float
    platform_setup_hours: float
    horizon_months: int
    services: float

    @property
    def manual_cost_per_service_usd(self) -> float:
        """What setting up one service by hand costs."""
        return self.manual_hours_per_service * self.hourly_rate_usd


@dataclass(frozen=True, slots=True)
class CostEstimate:
    """The monthly estimate with its items and break-even."""

    region: str
    prices_as_of: str
    items: tuple[CostItem, ...]
    break_even: BreakEven

    @property
    def monthly_usd(self) -> float:
        """The sum of every item."""
        return sum(item.monthly_usd for item in self.items)

    def as_dict(self) -> dict[str, Any]:
        """The ``--json`` document."""
        return {
            "monthly_usd": round(self.monthly_usd, 2),
            "items": [item.as_dict() for item in self.items],
            "break_even_services": round(self.break_even.services, 1),
            "region": self.region,
            "prices_as_of": self.prices_as_of,
            "break_even": {
                "manual_hours_per_service": self.break_even.manual_hours_per_service,
                "hourly_rate_usd": self.break_even.hourly_rate_usd,
                "manual_cost_per_service_usd": self.break_even.manual_cost_per_service_usd,
                "platform_setup_hours": self.break_even.platform_setup_hours,
                "horizon_months": self.break_even.horizon_months,
            },
        }


def load_price_table(region: str) -> PriceTable:
    """The bundled price table of a region; refuses a region without one."""
    folder = resources.files("goldpath.platform") / "prices"
    available = sorted(
        p.name.removesuffix(".json") for p in folder.iterdir() if p.name.endswith(".json")
    )
    if region not in available:
        raise InvalidInputError(
            f"no price table for region {region!r}",
            errors=[
                FieldError(
                    field="aws_region",
                    rule="priced-region",
                    message=f"{region!r} has no price table; available: {', '.join(available)}",
                )
            ],
        )
    data = json.loads((folder / f"{region}.json").read_text(encoding="utf-8"))
    return PriceTable(
        region=region,
        as_of=str(data["as_of"]),
        hours_per_month=int(data["hours_per_month"]),
        prices=data,
    )


def break_even_services(
    *,
    monthly_usd: float,
    manual_hours_per_service: float,
    hourly_rate_usd: float,
    platform_setup_hours: float,
    horizon_months: int,
) -> float:
    """Services after which the platform (set-up + running cost) costs less than manual set-up."""
    manual = manual_hours_per_service * hourly_rate_usd
    if manual <= 0:
        return math.inf
    return (platform_setup_hours * hourly_rate_usd + monthly_usd * horizon_months) / manual


def _number(values: Mapping[str, Any], key: str, problems: list[FieldError]) -> float:
    value = values[key]
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        problems.append(
            FieldError(
                field=key,
                rule="non-negative-number",
                message=f"{value!r} is not a non-negative number",
            )
        )
        return 0.0
    return float(value)


def estimate_cost(
    variables: Mapping[str, Any],
    *,
    manual_hours_per_service: float = 9.0,
    hourly_rate_usd: float = 100.0,
    platform_setup_hours: float = 100.0,
    horizon_months: int = 12,
) -> CostEstimate:
    """Price the Terraform variables (unset ones take the root defaults)."""
    values = {**ROOT_DEFAULTS, **{k: v for k, v in variables.items() if k in ROOT_DEFAULTS}}
    problems: list[FieldError] = []
    table = load_price_table(str(values["aws_region"]))
    hours = table.hours_per_month

    instance_types = values["node_instance_types"]
    if not isinstance(instance_types, list) or not instance_types:
        problems.append(
            FieldError(
                field="node_instance_types",
                rule="non-empty-list",
                message="must list at least one instance type",
            )
        )
        instance_types = ["t3.medium"]
    instance_type = str(instance_types[0])  # the node group launches its first type on demand
    instance_hour = table.instance_hour(instance_type)
    if instance_hour is None:
        known = ", ".join(sorted(table.prices["ec2_instance_hour"]))
        problems.append(
            FieldError(
                field="node_instance_types",
                rule="priced-instance-type",
                message=f"{instance_type!r} is not in the {table.region} price table ({known})",
            )
        )
        instance_hour = 0.0
    nodes = _number(values, "node_desired_size", problems)
    disk = _number(values, "node_disk_size_gb", problems)
    zones = values["availability_zones"]
    az_count = len(zones) if isinstance(zones, list) else 0
    if az_count < 2:
        problems.append(
            FieldError(
                field="availability_zones",
                rule="at-least-two",
                message="must list at least two zones",
            )
        )
    nat_count = 1 if values["single_nat_gateway"] else az_count
    endpoints = values["interface_endpoints"]
    endpoint_count = len(endpoints) if isinstance(endpoints, list) else 0
    endpoint_azs = min(_number(values, "interface_endpoint_az_count", problems), az_count)
    ecr_gb = _number(values, "ecr_storage_gb", problems)
    loki_gb = _number(values, "loki_volume_size_gb", problems)
    if problems:
        raise InvalidInputError("the Terraform variables cannot be priced", errors=problems)

    items = (
        CostItem(
            "EKS control plane",
            1,
            "cluster",
            table["eks_cluster_hour"] * hours,
            table["eks_cluster_hour"] * hours,
        ),
        CostItem(
            f"EC2 nodes ({instance_type})",
            nodes,
            "instance",
            instance_hour * hours,
            nodes * instance_hour * hours,
        ),
        CostItem(
            "EBS node volumes (gp3)",
            nodes * disk,
            "GB",
            table["ebs_gp3_gb_month"],
            nodes * disk * table["ebs_gp3_gb_month"],
        ),
        CostItem(
            "EBS volume for Loki (gp3)",
            loki_gb,
            "GB",
            table["ebs_gp3_gb_month"],
            loki_gb * table["ebs_gp3_gb_month"],
        ),
        CostItem(
            "NAT gateways",
            nat_count,
            "gateway",
            table["nat_gateway_hour"] * hours,
            nat_count * table["nat_gateway_hour"] * hours,
        ),
        CostItem(
            "Application Load Balancer (shared)",
            1,
            "ALB",
            (table["alb_hour"] + ALB_LCUS * table["alb_lcu_hour"]) * hours,
            (table["alb_hour"] + ALB_LCUS * table["alb_lcu_hour"]) * hours,
        ),
        CostItem(
            "Interface VPC endpoints",
            endpoint_count * endpoint_azs,
            "endpoint-AZ",
            table["vpc_interface_endpoint_az_hour"] * hours,
            endpoint_count * endpoint_azs * table["vpc_interface_endpoint_az_hour"] * hours,
        ),
        CostItem(
            "Public IPv4 addresses (NAT, ALB)",
            nat_count + az_count,
            "address",
            table["public_ipv4_hour"] * hours,
            (nat_count + az_count) * table["public_ipv4_hour"] * hours,
        ),
        CostItem(
            "Route53 hosted zone",
            1,
            "zone",
            table["route53_hosted_zone_month"],
            table["route53_hosted_zone_month"],
        ),
        CostItem(
            "Secrets Manager secrets",
            PLATFORM_SECRETS,
            "secret",
            table["secrets_manager_secret_month"],
            PLATFORM_SECRETS * table["secrets_manager_secret_month"],
        ),
        CostItem(
            "ECR storage",
            ecr_gb,
            "GB",
            table["ecr_storage_gb_month"],
            ecr_gb * table["ecr_storage_gb_month"],
        ),
    )
    monthly = sum(item.monthly_usd for item in items)
    return CostEstimate(
        region=table.region,
        prices_as_of=table.as_of,
        items=items,
        break_even=BreakEven(
            manual_hours_per_service=manual_hours_per_service,
            hourly_rate_usd=hourly_rate_usd,
            platform_setup_hours=platform_setup_hours,
            horizon_months=horizon_months,
            services=break_even_services(
                monthly_usd=monthly,
                manual_hours_per_service=manual_hours_per_service,
                hourly_rate_usd=hourly_rate_usd,
                platform_setup_hours=platform_setup_hours,
                horizon_months=horizon_months,
            ),
        ),
    )


def estimate_from_tfvars(path: Path, **options: Any) -> CostEstimate:
    """Read a ``.tfvars`` file and price it."""
    return estimate_cost(load_tfvars(path), **options)
