"""Errors of the local git server: refused pushes."""

from __future__ import annotations

from goldpath.errors import PermissionDeniedError

__all__ = ["PushRefusedError"]


class PushRefusedError(PermissionDeniedError):
    """A push (or one of its ref updates) breaks a rule of the git host (403).

    Context: ``repo`` (``owner/name``), ``ref`` (None when the whole push is refused),
    ``rule`` (the rule's name) and ``actor``.
    """
