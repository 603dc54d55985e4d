"""Permissions: named permissions, the policy (catalog ownership + YAML rules), decisions, audit."""

from goldpath.permissions._audit import AuditEntry, AuditLog, AuditPage, AuditPruner
from goldpath.permissions._directory import (
    CatalogDirectory,
    Directory,
    MappingDirectory,
    groups_with_ancestors,
)
from goldpath.permissions._model import Decision, Resource, Subject
from goldpath.permissions._policy import (
    OPERATOR_RULE,
    Policy,
    default_rules,
    load_policy,
    permission_problems,
    read_policy_file,
)
from goldpath.permissions._registry import (
    ACTION,
    ENTITY,
    LOCATION,
    PERMISSIONS,
    TASK,
    TEMPLATE,
    USER,
    Permission,
    PermissionRegistry,
)
from goldpath.permissions._resources import (
    ALLOWED_GROUPS_ANNOTATION,
    action_resource,
    action_resources_of,
    allowed_groups_of,
    entity_resource,
    location_resource,
    task_resource,
    template_resource,
    user_resource,
)
from goldpath.permissions._rules import CONDITION_KEYS, Conditions, Rule, parse_rules, rule
from goldpath.permissions._service import PermissionService, operator_subject
from goldpath.permissions.errors import NotAllowedError, PolicyError, UnknownPermissionError

__all__ = [
    "ACTION",
    "ALLOWED_GROUPS_ANNOTATION",
    "CONDITION_KEYS",
    "ENTITY",
    "LOCATION",
    "OPERATOR_RULE",
    "PERMISSIONS",
    "TASK",
    "TEMPLATE",
    "USER",
    "AuditEntry",
    "AuditLog",
    "AuditPage",
    "AuditPruner",
    "CatalogDirectory",
    "Conditions",
    "Decision",
    "Directory",
    "MappingDirectory",
    "NotAllowedError",
    "Permission",
    "PermissionRegistry",
    "PermissionService",
    "Policy",
    "PolicyError",
    "Resource",
    "Rule",
    "Subject",
    "UnknownPermissionError",
    "action_resource",
    "action_resources_of",
    "allowed_groups_of",
    "default_rules",
    "entity_resource",
    "groups_with_ancestors",
    "load_policy",
    "location_resource",
    "operator_subject",
    "parse_rules",
    "permission_problems",
    "read_policy_file",
    "rule",
    "task_resource",
    "template_resource",
    "user_resource",
]
