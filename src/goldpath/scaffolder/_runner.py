"""The runner: render each step's input, run its action, and unwind the undo stack on failure.

The runner knows nothing about the database; it reports through a ``RunSink`` (the
task worker writes events and undo records to the store, the dry run keeps a list).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from goldpath.config import PlatformSettings, Settings
from goldpath.errors import GoldpathError
from goldpath.links import LinkMap
from goldpath.redaction import redact_text
from goldpath.scaffolder._actions import (
    Action,
    ActionContext,
    ActionRegistry,
    IdentityLike,
    UndoEnv,
    UndoRecord,
)
from goldpath.scaffolder._expressions import render_value, truthy
from goldpath.scaffolder._preparing import StepPreparations
from goldpath.scaffolder._task import NotUndone, RollbackReport, StepStatus, TaskStatus
from goldpath.scaffolder._template import StepSpec, Template
from goldpath.scaffolder.errors import ExpressionError, TaskCancelledError

__all__ = [
    "RollbackReport",
    "RunOutcome",
    "RunSink",
    "expression_context",
    "platform_context",
    "run_template",
    "run_undo",
    "sample_output",
]

log = logging.getLogger(__name__)


class RunSink(Protocol):
    """Where the runner reports: log lines, step transitions, undo records, cancellation."""

    def log(self, message: str, *, step_id: str | None = None) -> None:
        """A log line (secrets are redacted by the sink when written)."""

    def step(self, step_id: str, status: StepStatus) -> None:
        """A step moved to processing, completed, failed, skipped or cancelled."""

    def undo_recorded(self, record: UndoRecord) -> None:
        """An action recorded an undo (persist it before the action returns)."""

    def cancelled(self) -> bool:
        """Whether the task has been asked to stop."""


@dataclass
class RunOutcome:
    """How a run ended: status, the rendered output, the error and the rollback report."""

    status: TaskStatus
    output: dict[str, Any]
    steps: dict[str, dict[str, Any]]
    error: GoldpathError | Exception | None = None
    rollback: RollbackReport | None = None


def _without_empty_links(output: dict[str, Any]) -> dict[str, Any]:
    """The output without links that point nowhere (a skipped step's link renders to an
    empty url and no entityRef), as Backstage's task page leaves them out."""
    links = output.get("links")
    if not isinstance(links, list):
        return output
    kept = [
        link
        for link in links
        if not isinstance(link, dict) or link.get("url") or link.get("entityRef")
    ]
    return {**output, "links": kept}


def platform_context(settings: Settings | None) -> dict[str, Any]:
    """``platform`` in expressions: settings.platform fields plus derived ones."""
    platform = settings.platform if settings is not None else PlatformSettings()
    data = platform.model_dump(mode="json", by_alias=False)
    data.pop("ecr_registry_override", None)
    data["ecr_registry"] = platform.ecr_registry
    return data


def expression_context(
    *,
    values: Mapping[str, Any],
    identity: IdentityLike | None,
    secrets: Mapping[str, str],
    settings: Settings | None,
    steps: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The context ``${{ }}`` expressions see."""
    return {
        "parameters": dict(values),
        "steps": dict(steps or {}),
        "user": {
            "entity": identity.entity if identity is not None else None,
            "ref": identity.user_ref if identity is not None else None,
        },
        "secrets": dict(secrets),
        "platform": platform_context(settings),
    }


def _sample_for(name: str, schema: Mapping[str, Any]) -> Any:
    examples = schema.get("examples")
    if isinstance(examples, list) and examples:
        return examples[0]
    if "default" in schema:
        return schema["default"]
    kind = schema.get("type")
    if kind is None and isinstance(schema.get("anyOf"), list):
        kinds = [s for s in schema["anyOf"] if s.get("type") != "null"]
        if kinds:
            return _sample_for(name, kinds[0])
    if kind == "string":
        if name.lower().endswith("url") or schema.get("format") == "uri":
            return f"https://example.com/dry-run/{name}"
        if name == "entityRef":
            return "component:default/dry-run"
        return f"dry-run-{name}"
    if kind == "boolean":
        return False
    if kind in ("integer", "number"):
        return 0
    if kind == "array":
        return []
    return {}


def sample_output(action: Action) -> dict[str, Any]:
    """Sample outputs from an action's output schema, for steps a dry run skips."""
    if action.output is None:
        return {}
    schema = action.output.model_json_schema(by_alias=True)
    return {
        name: _sample_for(name, prop) for name, prop in (schema.get("properties") or {}).items()
    }


def _condition(
    value: Any, context: Mapping[str, Any], step_id: str, step_log: Callable[[str], None]
) -> bool:
    try:
        return truthy(render_value(value, context, where=f"steps.{step_id}.if"))
    except ExpressionError as exc:
        # Backstage (nunjucks) reads an undefined value in ``if`` as false; so do we, and say so
        if any(error.rule == "undefined" for error in exc.errors):
            step_log(
                f"The if condition of step {step_id} uses an undefined value; treated as false"
            )
            return False
        raise


def run_undo(
    stack: Sequence[tuple[UndoRecord, Callable[[], None] | None]],
    *,
    registry: ActionRegistry,
    task_id: str,
    log_line: Callable[[str], None],
) -> RollbackReport:
    """Run undo entries in reverse; persisted records without a callable go through their action."""
    report = RollbackReport()
    for record, undo in reversed(stack):
        try:
            if undo is None:
                if record.kind is None:
                    raise RuntimeError(
                        "it was recorded as an in-process callable by a worker that stopped"
                    )
                action = registry.get(record.action_id)
                handler = action.undo.get(record.kind)
                if handler is None:
                    raise RuntimeError(f"action {record.action_id} has no undo {record.kind!r}")
                handler(UndoEnv(task_id, log_line), dict(record.params))
            else:
                undo()
        except Exception as exc:  # one failed undo must not stop the others
            reason = (
                exc.message if isinstance(exc, GoldpathError) else str(exc) or type(exc).__name__
            )
            report.failed.append(NotUndone(record.description, reason))
            log_line(f"Could not undo: {record.description}: {reason}")
        else:
            report.undone.append(record.description)
            log_line(f"Undone: {record.description}")
    return report


def run_template(
    template: Template,
    values: Mapping[str, Any],
    *,
    registry: ActionRegistry,
    workspace: Path,
    task_id: str,
    sink: RunSink,
    settings: Settings | None = None,
    secrets: Mapping[str, str] | None = None,
    identity: IdentityLike | None = None,
    dry_run: bool = False,
) -> RunOutcome:
    """Run every step in order; on failure or cancel, undo what this run created, in reverse."""
    secrets = dict(secrets or {})
    step_outputs: dict[str, dict[str, Any]] = {}
    context = expression_context(
        values=values, identity=identity, secrets=secrets, settings=settings, steps=step_outputs
    )
    context["steps"] = step_outputs
    stack: list[tuple[UndoRecord, Callable[[], None] | None]] = []
    workspace.mkdir(parents=True, exist_ok=True)
    current: str | None = None
    # Begun before the first step, so what needs only the parameters (the GitOps tree's
    # validators) works while the earlier steps run.
    preparations = StepPreparations.begin(template, context, registry)

    def record_undo(record: UndoRecord, undo: Callable[[], None]) -> None:
        sink.undo_recorded(record)
        stack.append((record, undo))

    def run_step_action(
        action: Action, step: StepSpec, step_context: Mapping[str, Any]
    ) -> dict[str, Any]:
        return _run_action(
            action,
            step.input,
            step_context,
            step.id,
            workspace=workspace,
            task_id=task_id,
            dry_run=dry_run,
            secrets=secrets,
            identity=identity,
            template=template,
            logger=_step_logger(sink, step.id),
            record_undo=record_undo,
            sink=sink,
            preparations=preparations,
        )

    try:
        for step in template.steps:
            current = step.id
            if sink.cancelled():
                raise TaskCancelledError("task was cancelled", task_id=task_id)
            step_log = _step_logger(sink, step.id)
            if step.if_ is not None and not _condition(step.if_, context, step.id, step_log):
                step_outputs[step.id] = {"output": {}}
                sink.step(step.id, StepStatus.SKIPPED)
                step_log(f"Skipping step {step.id} because its if condition was false")
                continue
            action = registry.get(step.action)
            sink.step(step.id, StepStatus.PROCESSING)
            step_log(f"Beginning step {step.name}")
            started = time.perf_counter()
            if dry_run and not action.supports_dry_run:
                step_outputs[step.id] = {"output": sample_output(action)}
                step_log(f"Skipping because {action.id} does not support dry-run")
                sink.step(step.id, StepStatus.SKIPPED)
                continue
            if step.each is not None:
                items = render_value(step.each, context, where=f"steps.{step.id}.each")
                if isinstance(items, Mapping):
                    iterations = [{"key": k, "value": v} for k, v in items.items()]
                elif isinstance(items, list):
                    iterations = [{"key": str(i), "value": v} for i, v in enumerate(items)]
                else:
                    raise TemplateEachError(step.id, items)
                collected: dict[str, list[Any]] = {}
                for iteration in iterations:
                    if sink.cancelled():
                        raise TaskCancelledError("task was cancelled", task_id=task_id)
                    outputs = run_step_action(action, step, {**context, "each": iteration})
                    for name, value in outputs.items():
                        collected.setdefault(name, []).append(value)
                step_outputs[step.id] = {"output": collected}
            else:
                step_outputs[step.id] = {"output": run_step_action(action, step, context)}
            step_log(f"Finished step {step.name} in {time.perf_counter() - started:.3f}s")
            sink.step(step.id, StepStatus.COMPLETED)
            current = None
        output = render_value(template.output, context, where="output")
        if not isinstance(output, dict):
            output = {"value": output}
        output = _without_empty_links(output)
        if settings is not None:  # in development, links to production hosts go local
            output = LinkMap(settings).resolve_output(output)
        return RunOutcome(TaskStatus.COMPLETED, output, step_outputs)
    except Exception as exc:
        cancelled = isinstance(exc, TaskCancelledError)
        status = TaskStatus.CANCELLED if cancelled else TaskStatus.FAILED
        if current is not None:
            sink.step(current, StepStatus(status))
        message = exc.message if isinstance(exc, GoldpathError) else f"{type(exc).__name__}: {exc}"
        if not isinstance(exc, GoldpathError):
            # the message may carry a secret (a token in a URL): redact it; the traceback
            # only at debug level
            log.error(
                "step %s of task %s failed unexpectedly: %s",
                current,
                task_id,
                redact_text(message, secrets.values()),
            )
            log.debug("traceback of task %s", task_id, exc_info=True)
        sink.log(f"{'Cancelled' if cancelled else 'Failed'}: {message}", step_id=current)
        for error in getattr(exc, "errors", []) or []:
            sink.log(f"  - {error}", step_id=current)
        report = run_undo(
            stack,
            registry=registry,
            task_id=task_id,
            log_line=lambda line: sink.log(line),
        )
        return RunOutcome(status, {}, step_outputs, error=exc, rollback=report)
    finally:
        preparations.close()


class TemplateEachError(GoldpathError):
    """``each`` rendered to something that is neither a list nor an object."""

    def __init__(self, step_id: str, value: Any) -> None:
        super().__init__(
            f"steps.{step_id}.each must render to a list or an object, got {type(value).__name__}",
            step=step_id,
        )


def _step_logger(sink: RunSink, step_id: str) -> Callable[[str], None]:
    def write(message: str) -> None:
        sink.log(message, step_id=step_id)

    return write


def _run_action(
    action: Action,
    raw_input: Mapping[str, Any],
    context: Mapping[str, Any],
    step_id: str,
    *,
    workspace: Path,
    task_id: str,
    dry_run: bool,
    secrets: Mapping[str, str],
    identity: IdentityLike | None,
    template: Template,
    logger: Callable[[str], None],
    record_undo: Callable[[UndoRecord, Callable[[], None]], None],
    sink: RunSink,
    preparations: StepPreparations,
) -> dict[str, Any]:
    rendered = render_value(dict(raw_input), context, where=f"steps.{step_id}.input")
    unknown = action.unknown_inputs(rendered)
    if unknown:
        logger(f"Ignoring input {', '.join(unknown)}: {action.id} does not use it")
        rendered = {key: value for key, value in rendered.items() if key not in unknown}
    params = action.parse_input(rendered)
    ctx = ActionContext(
        action=action,
        step_id=step_id,
        workspace=workspace,
        task_id=task_id,
        dry_run=dry_run,
        secrets=secrets,
        identity=identity,
        template_info=template.info(),
        logger=logger,
        record_undo=record_undo,
        is_cancelled=sink.cancelled,
        prepared=preparations.prepared_for(step_id, rendered, action.prepare),
    )
    action.handler(ctx, params)
    return dict(ctx.outputs)
