"""The local git host's server side: who may push what, the push log, and push listeners."""

from goldpath.gitserver._catalog import CatalogFollower
from goldpath.gitserver._hook import install_hooks
from goldpath.gitserver._listeners import PushListener, PushListeners
from goldpath.gitserver._log import PushEntry, PushLog
from goldpath.gitserver._push import ZERO_SHA, Push, RefUpdate
from goldpath.gitserver._rules import RefRefusal, RefRules, RepoKind, ref_refusal
from goldpath.gitserver._service import (
    PROJECT_SLUG_ANNOTATION,
    GitServer,
    PushSession,
    parse_push_commands,
    push_git_config,
)

__all__ = [
    "PROJECT_SLUG_ANNOTATION",
    "ZERO_SHA",
    "CatalogFollower",
    "GitServer",
    "Push",
    "PushEntry",
    "PushListener",
    "PushListeners",
    "PushLog",
    "PushSession",
    "RefRefusal",
    "RefRules",
    "RefUpdate",
    "RepoKind",
    "install_hooks",
    "parse_push_commands",
    "push_git_config",
    "ref_refusal",
]
