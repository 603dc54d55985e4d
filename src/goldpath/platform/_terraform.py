"""Read Terraform configuration with python-hcl2: variables, module calls, tfvars."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import hcl2
from hcl2 import SerializationOptions

from goldpath.errors import FieldError
from goldpath.platform.errors import TerraformFileError

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

# python-hcl2 v8 changed its output shape; these options give the classic one.
_OPTIONS = SerializationOptions(strip_string_quotes=True, explicit_blocks=False)


@dataclass(frozen=True, slots=True)
class TerraformVariable:
    """One ``variable`` block: its name, type expression and whether it has a default."""

    name: str
    type: str
    description: str
    required: bool


@dataclass(frozen=True, slots=True)
class ModuleCall:
    """One ``module`` block: its label, source and the arguments it passes."""

    name: str
    source: str
    arguments: frozenset[str]
    file: Path


_META_ARGUMENTS = frozenset({"source", "version", "providers", "depends_on", "count", "for_each"})


def load_hcl(path: Path) -> dict[str, Any]:
    """Parse one HCL file (``.tf`` or ``.tfvars``) into plain Python values."""
    try:
        stat = path.stat()
    except OSError as exc:
        raise TerraformFileError(
            f"cannot read {path}: {exc.strerror}",
            errors=[FieldError(field=str(path), rule="readable", message=str(exc.strerror))],
            path=str(path),
        ) from exc
    # Parsing is slow (a pure-Python grammar); a file is parsed again only when it changed.
    return copy.deepcopy(_parse(path, stat.st_mtime_ns, stat.st_size))


@lru_cache(maxsize=256)
def _parse(path: Path, _mtime_ns: int, _size: int) -> dict[str, Any]:
    try:
        with path.open(encoding="utf-8") as handle:
            document = hcl2.load(handle, serialization_options=_OPTIONS)
    except OSError as exc:
        raise TerraformFileError(
            f"cannot read {path}: {exc.strerror}",
            errors=[FieldError(field=str(path), rule="readable", message=str(exc.strerror))],
            path=str(path),
        ) from exc
    except Exception as exc:  # the parser raises lark errors of many kinds
        raise TerraformFileError(
            f"{path} is not valid HCL: {exc}".splitlines()[0],
            errors=[FieldError(field=str(path), rule="hcl", message="does not parse as HCL")],
            path=str(path),
        ) from exc
    return dict(_without_comments(document))


def _without_comments(value: Any) -> Any:
    # python-hcl2 v8 keeps comments under "__comments__"-style keys; they are not values.
    if isinstance(value, dict):
        return {
            key: _without_comments(item)
            for key, item in value.items()
            if not (isinstance(key, str) and key.startswith("__") and key.endswith("__"))
        }
    if isinstance(value, list):
        return [_without_comments(item) for item in value]
    return value


def _blocks(document: Mapping[str, Any], kind: str) -> Iterable[tuple[str, dict[str, Any]]]:
    for item in document.get(kind, []):
        yield from item.items()


def _unwrap(expression: object) -> str:
    text = str(expression)
    if text.startswith("${") and text.endswith("}"):
        return text[2:-1]
    return text


def module_variables(directory: Path) -> dict[str, TerraformVariable]:
    """Every variable declared by the ``.tf`` files of one module directory."""
    variables: dict[str, TerraformVariable] = {}
    for path in sorted(directory.glob("*.tf")):
        for name, body in _blocks(load_hcl(path), "variable"):
            variables[name] = TerraformVariable(
                name=name,
                type=_unwrap(body.get("type", "any")),
                description=str(body.get("description", "")),
                required="default" not in body,
            )
    return variables


def module_outputs(directory: Path) -> dict[str, str]:
    """Every output of one module directory, with its description."""
    outputs: dict[str, str] = {}
    for path in sorted(directory.glob("*.tf")):
        for name, body in _blocks(load_hcl(path), "output"):
            outputs[name] = str(body.get("description", ""))
    return outputs


def module_calls(directory: Path) -> list[ModuleCall]:
    """Every ``module`` block in one directory."""
    calls: list[ModuleCall] = []
    for path in sorted(directory.glob("*.tf")):
        for name, body in _blocks(load_hcl(path), "module"):
            calls.append(
                ModuleCall(
                    name=name,
                    source=str(body["source"]),
                    arguments=frozenset(set(body) - _META_ARGUMENTS),
                    file=path,
                )
            )
    return calls


def check_module_call(call: ModuleCall, variables: Mapping[str, TerraformVariable]) -> list[str]:
    """Problems of one call: undeclared arguments and missing required variables."""
    problems = [
        f"module.{call.name} passes {argument!r}, which {call.source} does not declare"
        for argument in sorted(call.arguments - set(variables))
    ]
    problems += [
        f"module.{call.name} does not pass required variable {name!r} of {call.source}"
        for name, variable in sorted(variables.items())
        if variable.required and name not in call.arguments
    ]
    return problems


def load_tfvars(path: Path) -> dict[str, Any]:
    """The assignments of a ``.tfvars`` file."""
    return load_hcl(path)


def unassigned_variables(
    variables: Iterable[TerraformVariable],
    assignments: Mapping[str, object],
    *,
    required_only: bool,
) -> list[str]:
    """Names of variables (all, or only the required ones) the assignments leave out."""
    return sorted(
        variable.name
        for variable in variables
        if (variable.required or not required_only) and variable.name not in assignments
    )
