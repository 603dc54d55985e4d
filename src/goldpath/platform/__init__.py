"""Operator commands: Terraform backend bootstrap, portal deploy, phase gates, cost, split."""

from goldpath.platform._backend import BackendReport, bootstrap_backend
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

from goldpath.platform.errors import (
    AppBranchNotFoundError,
    AppRepoNotFoundError,
    BucketOwnedElsewhereError,
    CommandFailedError,
    InvalidRegionError,
    KubeContextError,
    PlatformError,
    RolloutTimeoutError,
    SmokeCheckError,
    SplitTargetNotEmptyError,
    TerraformFileError,
    ToolMissingError,
)

__all__ = [
    "AppBranchNotFoundError",
    "AppRepoNotFoundError",
    "BackendReport",
    "BucketOwnedElsewhereError",
    "CommandFailedError",
    "InvalidRegionError",
    "KubeContextError",
    "PlatformError",
    "RolloutTimeoutError",
    "SmokeCheckError",
    "SplitTargetNotEmptyError",
    "TerraformFileError",
    "ToolMissingError",
    "bootstrap_backend",
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
