"""Render the nodejs-service template the way Backstage's fetch:template does.

Stands in for a real Create until the scaffolder exposes one: it evaluates the fetch
step's ``values`` from template.yaml against ``parameters`` and ``platform`` and renders
every skeleton file with a sandboxed Jinja environment using Backstage's ``${{ }}``.
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any

import yaml
from jinja2 import StrictUndefined, Template
from jinja2.sandbox import SandboxedEnvironment

from goldpath.config import PlatformSettings
from goldpath.templates import TEMPLATES_DIR

TEMPLATE_DIR = TEMPLATES_DIR / "nodejs-service"
SKELETON_DIR = TEMPLATE_DIR / "skeleton"
_WHOLE_EXPRESSION = re.compile(r"^\$\{\{(?P<expr>.*)\}\}$", re.DOTALL)


def environment() -> SandboxedEnvironment:
    """A Jinja environment with Backstage's delimiters and nunjucks' whitespace defaults."""
    return SandboxedEnvironment(
        variable_start_string="${{",
        variable_end_string="}}",
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )


def load_yaml(text: str) -> Any:
    """Parse one YAML document safely (with libyaml when available: tests parse a lot)."""
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


@functools.cache
def _template_document() -> dict[str, Any]:
    document = load_yaml((TEMPLATE_DIR / "template.yaml").read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


def load_template() -> dict[str, Any]:
    """The parsed template.yaml (a fresh copy each call)."""
    return copy.deepcopy(_template_document())


def platform_context(platform: PlatformSettings | None = None) -> dict[str, Any]:
    """The ``platform`` expression variable, built from configuration as the scaffolder does."""
    facts = platform or PlatformSettings()
    return {
        "domain": facts.domain,
        "certificate_arn": facts.certificate_arn,
        "alb_group": facts.alb_group,
        "aws_account_id": facts.aws_account_id,
        "aws_region": facts.aws_region,
        "ecr_registry": facts.ecr_registry,
        "cluster_name": facts.cluster_name,
        "app_group": facts.app_group,
        "gitops_group": facts.gitops_group,
        "git_host": facts.git_host,
        "grafana_url": facts.grafana_url,
        "argocd_url": facts.argocd_url,
    }


def _evaluate(env: SandboxedEnvironment, value: Any, context: Mapping[str, Any]) -> Any:
    if isinstance(value, str):
        whole = _WHOLE_EXPRESSION.match(value.strip())
        if whole and "${{" not in whole.group("expr"):
            # A lone expression keeps its type (a number stays a number), as in Backstage.
            return env.compile_expression(whole.group("expr"), undefined_to_none=False)(**context)
        return env.from_string(value).render(**context)
    if isinstance(value, list):
        return [_evaluate(env, item, context) for item in value]
    if isinstance(value, dict):
        return {key: _evaluate(env, item, context) for key, item in value.items()}
    return value


def template_values(
    parameters: Mapping[str, Any], platform: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The fetch:template ``values`` that template.yaml computes from the parameters."""
    steps = load_template()["spec"]["steps"]
    fetch = next(step for step in steps if step["action"] == "fetch:template")
    context = {"parameters": dict(parameters), "platform": platform or platform_context()}
    values = _evaluate(environment(), fetch["input"]["values"], context)
    assert isinstance(values, dict)
    return values


@functools.cache
def _skeleton() -> tuple[tuple[PurePosixPath, Template, int], ...]:
    # Compiled once per process: Hypothesis renders the skeleton hundreds of times.
    env = environment()
    compiled = []
    for source in sorted(SKELETON_DIR.rglob("*")):
        if source.is_file():
            relative = PurePosixPath(source.relative_to(SKELETON_DIR).as_posix())
            template = env.from_string(source.read_text(encoding="utf-8"))
            compiled.append((relative, template, source.stat().st_mode & 0o777))
    return tuple(compiled)


def render_skeleton(values: Mapping[str, Any], destination: Path) -> list[PurePosixPath]:
    """Render every skeleton file into ``destination``; returns the relative paths."""
    written: list[PurePosixPath] = []
    for relative, template, mode in _skeleton():
        target = destination.joinpath(*relative.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(template.render(values=dict(values)), encoding="utf-8")
        target.chmod(mode)
        written.append(relative)
    return written


def create(parameters: Mapping[str, Any], destination: Path) -> dict[str, Any]:
    """Render the template for ``parameters`` into ``destination``; returns the values used."""
    values = template_values(parameters)
    render_skeleton(values, destination)
    return values
