"""Rendering a template version with recorded answers: the workspace steps of the template,
dry-run, so nothing is published; the workspace is what the repository was made from."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import Any

from goldpath.fleet._answers import ANSWERS_PATH
from goldpath.fleet.errors import FleetError
from goldpath.scaffolder import DryRunner, SkeletonFile, Template, parse_template
from goldpath.trees import TreeFile

__all__ = ["WORKSPACE_ACTIONS", "render_repository"]

WORKSPACE_ACTIONS = frozenset(
    {"fetch:template", "fetch:plain", "fetch:template:file", "fs:rename", "fs:delete"}
)
"""The actions that shape the workspace a repository is published from (no side effects)."""


def render_repository(
    runner: DryRunner,
    entity: Mapping[str, Any],
    files: Mapping[PurePosixPath, SkeletonFile],
    values: Mapping[str, Any],
) -> dict[PurePosixPath, TreeFile]:
    """The files a Create of this template version with these answers would publish
    (without ``.goldpath/answers.yaml``, which the upgrade writes itself)."""
    parsed = parse_template(entity)
    template = Template(
        entity=parsed.entity,
        parameters=parsed.parameters,
        steps=[step for step in parsed.steps if step.action in WORKSPACE_ACTIONS],
        output={},
    )
    result = runner.run(template, dict(values), directory_contents=dict(files))
    if result.error is not None:
        raise FleetError(
            f"{parsed.ref} does not render with the recorded answers: {result.error}",
            template=parsed.ref,
        )
    return {
        PurePosixPath(file.path): TreeFile(file.content, 0o755 if file.executable else 0o644)
        for file in result.files
        if PurePosixPath(file.path) != ANSWERS_PATH
    }
