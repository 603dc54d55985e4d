"""Terraform for the infra tests: the binary, and a module's locals evaluated for real."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

import pytest

__all__ = ["evaluate_locals", "terraform_binary"]

TERRAFORM_ENV = {"TF_CLI_CONFIG_FILE": "/dev/null", "TF_IN_AUTOMATION": "1"}


def terraform_binary() -> str:
    """Where ``terraform`` is; the test skips, saying why, on a machine without it."""
    found = shutil.which("terraform") or (
        "/usr/local/bin/terraform" if Path("/usr/local/bin/terraform").exists() else None
    )
    if found is None:
        pytest.skip("terraform is not installed (HashiCorp ships no Debian/PyPI package)")
    return found


_LOCALS = re.compile(r"^locals \{.*?^\}", re.S | re.M)
_VAR_REF = re.compile(r"\bvar\.([A-Za-z_][A-Za-z0-9_]*)")


def evaluate_locals(
    module_file: Path, variables: Mapping[str, object], workdir: Path
) -> dict[str, object]:
    """Every local of ``module_file``'s ``locals`` blocks as Terraform computes it for
    ``variables`` (the ones the locals read; no provider is needed, so this runs
    offline): the locals are copied beside variable declarations and outputs, applied,
    and read back as JSON."""
    source = module_file.read_text()
    blocks = _LOCALS.findall(source)
    assert blocks, f"{module_file} has no locals block"
    names = sorted({name for block in blocks for name in re.findall(
        r"^  ([a-z_][a-z0-9_]*)\s*=", block, flags=re.M)})
    read = sorted(set(_VAR_REF.findall("\n".join(blocks))))
    missing = [name for name in read if name not in variables]
    assert not missing, f"no value given for {missing}"
    declarations = "".join(f'variable "{name}" {{}}\n' for name in read)
    outputs = "".join(f'output "{name}" {{\n  value = local.{name}\n}}\n' for name in names)
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "main.tf").write_text("\n".join(blocks) + "\n" + declarations + outputs)
    (workdir / "terraform.tfvars.json").write_text(
        json.dumps({name: variables[name] for name in read}))
    env = {**os.environ, **TERRAFORM_ENV}
    terraform = terraform_binary()
    for command in (["init", "-input=false", "-no-color"],
                    ["apply", "-input=false", "-no-color", "-auto-approve"]):
        result = subprocess.run([terraform, *command], cwd=workdir, env=env,
                                capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stdout + result.stderr
    result = subprocess.run([terraform, "output", "-json", "-no-color"], cwd=workdir, env=env,
                            capture_output=True, text=True, check=True)
    return {name: output["value"] for name, output in json.loads(result.stdout).items()}
