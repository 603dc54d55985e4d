"""Scaffolder: v1beta3 templates, expressions, actions with undo, durable tasks, dry run."""

from goldpath.scaffolder._actions import (
    ACTION_PROVIDERS,
    Action,
    ActionContext,
    ActionInput,
    ActionRegistry,
    IdentityLike,
    TaskIdentity,
    UndoEnv,
    UndoHandler,
    UndoRecord,
)
from goldpath.scaffolder._dryrun import DryRunFile, DryRunResult, decode_directory_contents, dry_run
from goldpath.scaffolder._expressions import (
    FILTERS,
    make_environment,
    parse_repo_url,
    render_text,
    render_value,
)
from goldpath.scaffolder._paths import check_relative, resolve_inside
from goldpath.scaffolder._runner import (
    RollbackReport,
    RunOutcome,
    RunSink,
    expression_context,
    platform_context,
    run_template,
    run_undo,
    sample_output,
)
from goldpath.scaffolder._service import ScaffolderService, TaskSink
from goldpath.scaffolder._skeleton import SkeletonFile, read_tree, render_files, render_skeleton, write_tree
from goldpath.scaffolder._store import FINISHED, TaskEvent, TaskRecord, TaskStore, redact
from goldpath.scaffolder._template import (
    API_VERSION,
    RESERVED_NAME_ANNOTATION,
    StepSpec,
    Template,
    parameter_schema,
    parse_template,
    validate_values,
)
from goldpath.scaffolder._worker import TaskWorkers

__all__ = [
    "ACTION_PROVIDERS",
    "API_VERSION",
    "FILTERS",
    "FINISHED",
    "RESERVED_NAME_ANNOTATION",
    "Action",
    "ActionContext",
    "ActionInput",
    "ActionRegistry",
    "DryRunFile",
    "DryRunResult",
    "IdentityLike",
    "RollbackReport",
    "RunOutcome",
    "RunSink",
    "ScaffolderService",
    "SkeletonFile",
    "StepSpec",
    "TaskEvent",
    "TaskIdentity",
    "TaskRecord",
    "TaskSink",
    "TaskStore",
    "TaskWorkers",
    "Template",
    "UndoEnv",
    "UndoHandler",
    "UndoRecord",
    "check_relative",
    "decode_directory_contents",
    "dry_run",
    "expression_context",
    "make_environment",
    "parameter_schema",
    "parse_repo_url",
    "parse_template",
    "platform_context",
    "read_tree",
    "redact",
    "render_files",
    "render_skeleton",
    "render_text",
    "render_value",
    "resolve_inside",
    "run_template",
    "run_undo",
    "sample_output",
    "validate_values",
    "write_tree",
]
