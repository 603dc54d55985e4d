"""The validation report: every finding with its check, rule, file and object."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any, Literal

from goldpath.errors import FieldError
from goldpath.gitops.errors import GitopsValidationError

__all__ = ["Check", "Finding", "ValidationReport"]

Check = Literal["yaml", "kubernetes", "schema", "policy", "promtool", "kustomize", "tools"]


@dataclass(frozen=True, slots=True, order=True)
class Finding:
    """One failed check: which check and rule, a sentence, the file and the object."""

    file: str
    object: str
    check: Check
    rule: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file} {self.object}".strip()
        return f"[{self.check}:{self.rule}] {where}: {self.message}"

    def as_dict(self) -> dict[str, str]:
        """A JSON-friendly form (for the portal and ``--json`` output)."""
        return {
            "check": self.check,
            "rule": self.rule,
            "message": self.message,
            "file": self.file,
            "object": self.object,
        }


@dataclass(slots=True)
class ValidationReport:
    """Everything validation found in one tree; ``ok`` when nothing failed."""

    findings: list[Finding] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    objects: int = 0

    @property
    def ok(self) -> bool:
        """True when no check failed."""
        return not self.findings

    @property
    def failures(self) -> list[Finding]:
        """The findings, sorted by file, object and rule."""
        return sorted(self.findings)

    def add(
        self,
        *,
        check: Check,
        rule: str,
        message: str,
        file: PurePosixPath | str = "",
        object: str = "",  # noqa: A002 - the field is called object in the report
    ) -> None:
        """Record one finding."""
        self.findings.append(
            Finding(file=str(file), object=object, check=check, rule=rule, message=message)
        )

    def extend(self, other: ValidationReport) -> None:
        """Merge another report into this one."""
        self.findings.extend(other.findings)
        self.checked.extend(c for c in other.checked if c not in self.checked)
        self.skipped.extend(s for s in other.skipped if s not in self.skipped)
        self.objects += other.objects

    def field_errors(self) -> list[FieldError]:
        """The findings as `FieldError`s (field = ``file#object``, rule = check:rule)."""
        return [
            FieldError(
                field=f"{f.file}#{f.object}" if f.object else f.file,
                rule=f"{f.check}:{f.rule}",
                message=f.message,
            )
            for f in self.failures
        ]

    def raise_for_failures(self, what: str = "GitOps manifests") -> None:
        """Raise `GitopsValidationError` listing every finding, when there is any."""
        if self.ok:
            return
        raise GitopsValidationError(
            f"{what} failed validation with {len(self.findings)} finding(s)", report=self
        )

    def as_dict(self) -> dict[str, Any]:
        """A JSON-friendly form of the whole report."""
        return {
            "ok": self.ok,
            "objects": self.objects,
            "checked": list(self.checked),
            "skipped": list(self.skipped),
            "findings": [f.as_dict() for f in self.failures],
        }
