"""Permission errors: a refused decision, an unknown permission, a policy file that is wrong."""

from __future__ import annotations

from goldpath.errors import InvalidInputError, PermissionDeniedError

__all__ = ["NotAllowedError", "PolicyError", "UnknownPermissionError"]


class NotAllowedError(PermissionDeniedError):
    """The policy refused the caller this permission (Backstage's ``NotAllowedError``, 403).

    Context: ``permission``, ``rule`` (the rule that decided), ``resource`` (a ref or None)
    and ``actor``.
    """


class UnknownPermissionError(InvalidInputError):
    """A permission name (or pattern) that names no registered permission."""


class PolicyError(InvalidInputError):
    """The ``permission.policy`` file (or ``permission.admin_groups``) breaks a rule."""
