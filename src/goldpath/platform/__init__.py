"""Operator commands: Terraform backend bootstrap, portal deploy, phase gates, cost, split."""

from goldpath.platform._terraform import (
    ModuleCall,
    TerraformVariable,
    check_module_call,
    load_hcl,
    load_tfvars,
    module_calls,
    module_outputs,
    module_variables,
    unassigned_variables,
)

__all__ = [
    "ModuleCall",
    "TerraformVariable",
    "check_module_call",
    "load_hcl",
    "load_tfvars",
    "module_calls",
    "module_outputs",
    "module_variables",
    "unassigned_variables",
]
