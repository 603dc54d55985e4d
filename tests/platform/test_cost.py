"""cost: the monthly estimate from Terraform variables and the break-even."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from goldpath.errors import InvalidInputError
from goldpath.platform import (
    ROOT_DEFAULTS,
    break_even_services,
    estimate_cost,
    estimate_from_tfvars,
    load_price_table,
    module_variables,
)

REPO = Path(__file__).resolve().parents[2]
ROOT = REPO / "infra" / "terraform" / "envs" / "poc"
EXAMPLE = ROOT / "terraform.tfvars.example"
SEED_MONTHLY_USD = 218.0


def test_example_configuration_lands_within_15_percent_of_the_seed() -> None:
    estimate = estimate_from_tfvars(EXAMPLE)
    assert abs(estimate.monthly_usd - SEED_MONTHLY_USD) / SEED_MONTHLY_USD <= 0.15


def test_seed_break_even_is_about_fourteen_services() -> None:
    services = break_even_services(
        monthly_usd=SEED_MONTHLY_USD,
        manual_hours_per_service=9,
        hourly_rate_usd=100,
        platform_setup_hours=100,
        horizon_months=12,
    )
    assert round(services) == 14


def test_cost_defaults_match_the_root_variable_defaults() -> None:
    variables = module_variables(ROOT)
    from goldpath.platform import load_hcl

    declared = {
        name: body.get("default")
        for block in load_hcl(ROOT / "variables.tf")["variable"]
        for name, body in block.items()
    }
    for name, default in ROOT_DEFAULTS.items():
        assert name in variables, f"{name} is not a root variable"
        assert declared[name] == default, f"default of {name} differs from variables.tf"


def test_price_table_is_dated_and_sourced() -> None:
    table = load_price_table("us-east-2")
    assert table.as_of and table.as_of[:2] == "20"
    assert table.prices["sources"]


def test_unpriced_region_is_refused_naming_the_field() -> None:
    with pytest.raises(InvalidInputError) as info:
        estimate_cost({"aws_region": "eu-west-1"})
    assert info.value.errors[0].field == "aws_region"


def test_unknown_instance_type_is_refused_naming_the_field() -> None:
    with pytest.raises(InvalidInputError) as info:
        estimate_cost({"node_instance_types": ["x9.huge"]})
    assert info.value.errors[0].field == "node_instance_types"


def test_negative_node_count_is_refused() -> None:
    with pytest.raises(InvalidInputError) as info:
        estimate_cost({"node_desired_size": -1})
    assert info.value.errors[0].field == "node_desired_size"


_configs = st.fixed_dictionaries(
    {
        "node_desired_size": st.integers(min_value=0, max_value=50),
        "node_disk_size_gb": st.integers(min_value=20, max_value=500),
        "single_nat_gateway": st.booleans(),
        "availability_zones": st.lists(
            st.sampled_from(["us-east-2a", "us-east-2b", "us-east-2c"]),
            min_size=2,
            max_size=3,
            unique=True,
        ),
        "interface_endpoint_az_count": st.integers(min_value=1, max_value=3),
        "node_instance_types": st.lists(
            st.sampled_from(["t3.medium", "t3.large", "m5.large"]), min_size=1, max_size=2
        ),
        "ecr_storage_gb": st.integers(min_value=0, max_value=1000),
    }
)


@given(_configs)
def test_total_is_the_sum_of_the_items_and_never_negative(config: dict[str, Any]) -> None:
    estimate = estimate_cost(config)
    assert estimate.monthly_usd == pytest.approx(sum(i.monthly_usd for i in estimate.items))
    assert all(item.monthly_usd >= 0 for item in estimate.items)


@given(_configs, st.integers(min_value=1, max_value=10))
def test_more_nodes_never_cost_less(config: dict[str, Any], extra: int) -> None:
    more = {**config, "node_desired_size": config["node_desired_size"] + extra}
    assert estimate_cost(more).monthly_usd > estimate_cost(config).monthly_usd


@given(_configs)
def test_one_nat_per_az_never_costs_less_than_a_shared_one(config: dict[str, Any]) -> None:
    shared = estimate_cost({**config, "single_nat_gateway": True}).monthly_usd
    per_az = estimate_cost({**config, "single_nat_gateway": False}).monthly_usd
    assert per_az > shared


@given(
    st.floats(min_value=1, max_value=5000),
    st.floats(min_value=1, max_value=40),
    st.floats(min_value=1, max_value=40),
)
def test_break_even_falls_as_manual_set_up_gets_dearer(
    monthly: float, hours: float, extra: float
) -> None:
    kwargs = {"hourly_rate_usd": 100.0, "platform_setup_hours": 100.0, "horizon_months": 12}
    cheap = break_even_services(monthly_usd=monthly, manual_hours_per_service=hours, **kwargs)
    dear = break_even_services(
        monthly_usd=monthly, manual_hours_per_service=hours + extra, **kwargs
    )
    assert dear < cheap


def test_json_document_has_the_documented_keys() -> None:
    document = estimate_from_tfvars(EXAMPLE).as_dict()
    assert {"monthly_usd", "items", "break_even_services"} <= set(document)
    assert document["items"] and all("monthly_usd" in item for item in document["items"])
