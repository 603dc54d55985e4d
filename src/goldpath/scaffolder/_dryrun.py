"""Dry run: Backstage's ``POST /dry-run`` as a function, with no side effects outside a temp dir."""

from __future__ import annotations

import base64
import dataclasses
import stat
import tempfile
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from goldpath.config import Settings
from goldpath.errors import FieldError, InvalidInputError
from goldpath.scaffolder._actions import ActionRegistry, IdentityLike, UndoRecord
from goldpath.scaffolder._paths import check_relative
from goldpath.scaffolder._runner import run_template
from goldpath.scaffolder._skeleton import SkeletonFile, read_tree
from goldpath.scaffolder._store import redact
from goldpath.scaffolder._task import StepState, StepStatus, TaskStatus
from goldpath.scaffolder._template import (
    Template,
    parse_template,
    validate_values,
    with_declared,
    with_defaults,
)
from goldpath.scaffolder._templates import Templates
from goldpath.scaffolder.errors import PathEscapeError, TemplateInvalidError, TemplateValuesError
from goldpath.scratch import process_scratch
from goldpath.trees import write_tree

__all__ = ["DryRunFile", "DryRunResult", "DryRunner", "decode_directory_contents", "dry_run"]


@dataclass(frozen=True, slots=True)
class DryRunFile:
    """One file a dry run produced."""

    path: str
    content: bytes
    executable: bool

    def as_dict(self) -> dict[str, Any]:
        """Backstage's ``directoryContents`` entry."""
        return {
            "path": self.path,
            "executable": self.executable,
            "base64Content": base64.b64encode(self.content).decode("ascii"),
        }


@dataclass
class DryRunResult:
    """What the dry run logged, output, did per step, and the files it would produce."""

    status: TaskStatus
    log: list[dict[str, Any]]
    output: dict[str, Any]
    steps: list[StepState]
    files: list[DryRunFile]
    error: str | None = None
    error_details: list[FieldError] = field(default_factory=list)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DryRunResult:
        """A dry run as a portal answers it (the inverse of ``as_dict``)."""
        error = data.get("error") or {}
        return cls(
            status=TaskStatus(str(data.get("status") or TaskStatus.FAILED)),
            log=list(data.get("log") or ()),
            output=dict(data.get("output") or {}),
            steps=[StepState.from_dict(step) for step in data.get("steps") or ()],
            files=[
                DryRunFile(
                    path=str(item["path"]),
                    content=base64.b64decode(str(item.get("base64Content", ""))),
                    executable=bool(item.get("executable")),
                )
                for item in data.get("directoryContents") or ()
            ],
            error=str(error["message"]) if error.get("message") else None,
            error_details=[
                FieldError(str(e.get("field")), str(e.get("rule")), str(e.get("message")))
                for e in error.get("errors") or ()
            ],
        )

    def as_dict(self) -> dict[str, Any]:
        """Backstage's dry-run answer."""
        data: dict[str, Any] = {
            "log": self.log,
            "output": self.output,
            "steps": [step.as_dict() for step in self.steps],
            "directoryContents": [f.as_dict() for f in self.files],
            "status": str(self.status),
        }
        if self.error is not None:
            data["error"] = {
                "message": self.error,
                "errors": [e.as_dict() for e in self.error_details],
            }
        return data


class _DrySink:
    def __init__(self, secrets: Mapping[str, str], steps: list[StepState]) -> None:
        self.secrets = list(secrets.values())
        self.lines: list[dict[str, Any]] = []
        self.steps = {step.id: step for step in steps}

    def log(self, message: str, *, step_id: str | None = None) -> None:
        body: dict[str, Any] = {"message": message}
        if step_id is not None:
            body["stepId"] = step_id
        self.lines.append({"body": redact(body, self.secrets)})

    def step(self, step_id: str, status: StepStatus) -> None:
        if step_id in self.steps:
            self.steps[step_id] = dataclasses.replace(self.steps[step_id], status=status)
        body = {"stepId": step_id, "status": str(status), "message": f"Step {step_id} {status}"}
        self.lines.append({"body": body})

    def undo_recorded(self, record: UndoRecord) -> None:
        del record  # nothing a dry run does needs undoing: its workspace is thrown away

    def cancelled(self) -> bool:
        return False


def decode_directory_contents(
    items: Sequence[Mapping[str, Any]],
) -> dict[PurePosixPath, SkeletonFile]:
    """Backstage's ``directoryContents`` ([{path, base64Content, executable?}]) as files."""
    files: dict[PurePosixPath, SkeletonFile] = {}
    problems: list[FieldError] = []
    for index, item in enumerate(items):
        where = f"directoryContents[{index}]"
        path = item.get("path")
        if not isinstance(path, str) or not path:
            problems.append(FieldError(f"{where}.path", "required", "every entry needs a path"))
            continue
        try:
            relative = check_relative(path, field=f"{where}.path")
        except InvalidInputError as exc:
            problems.extend(exc.errors)
            continue
        try:
            content = base64.b64decode(str(item.get("base64Content", "")), validate=True)
        except ValueError:
            problems.append(FieldError(f"{where}.base64Content", "base64", "is not valid base64"))
            continue
        mode = 0o755 if item.get("executable") else 0o644
        files[relative] = SkeletonFile(content, mode)
    if problems:
        raise TemplateInvalidError("invalid directoryContents", errors=problems)
    return files


def dry_run(
    template_entity: Mapping[str, Any] | Template,
    values: Mapping[str, Any],
    *,
    registry: ActionRegistry,
    settings: Settings | None = None,
    secrets: Mapping[str, str] | None = None,
    directory_contents: Mapping[PurePosixPath, SkeletonFile] | None = None,
    identity: IdentityLike | None = None,
    work_root: Path | None = None,
) -> DryRunResult:
    """Validate values (400 when they are wrong), run every step without side effects.

    The template's files come from ``directory_contents`` when given (Backstage's
    body), else from the template's own file location.
    """
    secrets = dict(secrets or {})
    with tempfile.TemporaryDirectory(prefix="goldpath-dry-run-", dir=work_root) as tmp:
        root = Path(tmp)
        base_dir: Path | None = None
        if directory_contents is not None:
            base_dir = root / "template"
            write_tree(base_dir, directory_contents, error=PathEscapeError)
        if isinstance(template_entity, Template):
            template = (
                template_entity
                if base_dir is None
                else Template(
                    entity=template_entity.entity,
                    parameters=template_entity.parameters,
                    steps=template_entity.steps,
                    output=template_entity.output,
                    base_dir=base_dir,
                )
            )
        else:
            template = parse_template(template_entity, base_dir=base_dir)
        values = with_defaults(template, values)
        try:
            validate_values(template, values)
        except TemplateValuesError as exc:
            raise _as_bad_request(exc) from None
        values = with_declared(template, values)
        sink = _DrySink(secrets, [StepState.open(step) for step in template.steps])
        workspace = root / "workspace"
        outcome = run_template(
            template,
            values,
            registry=registry,
            workspace=workspace,
            task_id=f"dry-run-{uuid.uuid4()}",
            sink=sink,
            settings=settings,
            secrets=secrets,
            identity=identity,
            dry_run=True,
        )
        files = (
            [
                DryRunFile(path.as_posix(), file.content, bool(file.mode & stat.S_IXUSR))
                for path, file in sorted(read_tree(workspace).items())
            ]
            if workspace.is_dir()
            else []
        )
    error = outcome.error
    return DryRunResult(
        status=outcome.status,
        log=sink.lines,
        output=redact(outcome.output, secrets.values()),
        steps=list(sink.steps.values()),
        files=files,
        error=None
        if error is None
        else redact(getattr(error, "message", str(error)), secrets.values()),
        error_details=list(getattr(error, "errors", []) or []),
    )


def _as_bad_request(exc: TemplateValuesError) -> TemplateInvalidError:
    # Backstage answers a dry run with invalid values 400 (InputError), not 422
    return TemplateInvalidError(exc.message, errors=exc.errors)


class DryRunner:
    """Backstage's ``POST /dry-run`` and the Create form's Preview, with this registry."""

    def __init__(
        self, *, registry: ActionRegistry, settings: Settings, templates: Templates
    ) -> None:
        self.registry = registry
        self.settings = settings
        self.templates = templates

    def run(
        self,
        template: Mapping[str, Any] | Template,
        values: Mapping[str, Any],
        *,
        secrets: Mapping[str, str] | None = None,
        directory_contents: Mapping[PurePosixPath, SkeletonFile] | None = None,
        identity: IdentityLike | None = None,
    ) -> DryRunResult:
        """Run a template with no side effects and return log, output, steps and files."""
        parsed = template if isinstance(template, Template) else parse_template(template)
        self.templates.check_actions(parsed)
        return dry_run(
            parsed,
            values,
            registry=self.registry,
            settings=self.settings,
            secrets=secrets,
            directory_contents=directory_contents,
            identity=identity,
            work_root=process_scratch(self.settings.scratch_root),
        )

    def preview(self, template_ref: str, values: Mapping[str, Any]) -> DryRunResult:
        """The Create form's Preview: a dry run of a catalog template with its own files."""
        return self.run(self.templates.get(template_ref), values)
