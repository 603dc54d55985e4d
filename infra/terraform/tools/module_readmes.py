"""Regenerate the Usage, Inputs and Outputs sections of every module README.

Run from the repository root: `.venv/bin/python infra/terraform/tools/module_readmes.py`.
Everything above "## Usage" (the hand-written description) is kept.
"""

from __future__ import annotations

import json
from pathlib import Path

from goldpath.platform import load_hcl

MODULES = Path(__file__).resolve().parents[1] / "modules"


def _type(expression: object) -> str:
    text = str(expression)
    return text[2:-1] if text.startswith("${") and text.endswith("}") else text


def _placeholder(name: str, type_: str) -> str:
    if type_.startswith("list"):
        return f'["<{name}>"]'
    if type_.startswith("map"):
        return "{}"
    return f'"<{name}>"'


def render(module: Path) -> str:
    """The README of one module with regenerated reference sections."""
    variables = [
        (name, body)
        for block in load_hcl(module / "variables.tf").get("variable", [])
        for name, body in block.items()
    ]
    outputs = [
        (name, body)
        for block in load_hcl(module / "outputs.tf").get("output", [])
        for name, body in block.items()
    ]
    readme = module / "README.md"
    head = (
        readme.read_text().split("## Usage")[0].rstrip()
        if readme.exists()
        else f"# `{module.name}` module"
    )
    required = [(n, b) for n, b in variables if "default" not in b]
    width = max((len(n) for n, _ in required), default=0)
    lines = [head, "", "## Usage", "", "```hcl", f'module "{module.name.replace("-", "_")}" {{']
    lines += [f'  source = "../../modules/{module.name}"', ""]
    lines += [f"  {n.ljust(width)} = {_placeholder(n, _type(b['type']))}" for n, b in required]
    lines += ["}", "```", "", "## Inputs", ""]
    lines += ["| Name | Description | Type | Default | Required |", "|---|---|---|---|---|"]
    for name, body in variables:
        default = f"`{json.dumps(body['default'])}`" if "default" in body else ""
        required_text = "no" if "default" in body else "yes"
        type_ = _type(body["type"])
        lines.append(
            f"| `{name}` | {body['description']} | `{type_}` | {default} | {required_text} |"
        )
    lines += ["", "## Outputs", "", "| Name | Description |", "|---|---|"]
    lines += [f"| `{name}` | {body['description']} |" for name, body in outputs]
    return "\n".join(lines) + "\n"


def main() -> None:
    """Rewrite every module README."""
    for module in sorted(p for p in MODULES.iterdir() if p.is_dir()):
        (module / "README.md").write_text(render(module))


if __name__ == "__main__":
    main()
