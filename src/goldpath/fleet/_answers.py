"""``.goldpath/answers.yaml``: which template (and version) made a repository, and the
answers it was given. Never secrets: parameters the template marks secret are left out,
and so is any value equal to a secret the task was given."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

import yaml

from goldpath.catalog import EntityRef
from goldpath.errors import FieldError, InvalidInputError
from goldpath.fleet._version import TemplateVersion
from goldpath.fleet.errors import AnswersFileError
from goldpath.safe_yaml import load_yaml
from goldpath.scaffolder import Template

__all__ = [
    "ANSWERS_KIND",
    "ANSWERS_PATH",
    "Answers",
    "answers_for",
    "secret_parameters",
]

ANSWERS_PATH = PurePosixPath(".goldpath/answers.yaml")
ANSWERS_API_VERSION = "goldpath.dev/v1alpha1"
ANSWERS_KIND = "TemplateAnswers"
_HEADER = (
    "# Written by goldpath when this repository was created from a template.\n"
    "# `goldpath fleet upgrade` re-renders the template with these answers; edit with care.\n"
)
_SECRET_FIELDS = frozenset({"Secret"})


def _is_secret(schema: Mapping[str, Any]) -> bool:
    """Backstage's secret markers: ``ui:field: Secret``, ``ui:widget: password``,
    ``ui:backstage.review.mask``, and JSON Schema's ``format: password``."""
    if schema.get("ui:field") in _SECRET_FIELDS or schema.get("ui:widget") == "password":
        return True
    if schema.get("format") == "password":
        return True
    backstage = schema.get("ui:backstage")
    review = backstage.get("review") if isinstance(backstage, Mapping) else None
    return isinstance(review, Mapping) and bool(review.get("mask"))


def secret_parameters(template: Template) -> frozenset[str]:
    """The parameters the template marks secret (on any page)."""
    return frozenset(
        name
        for page in template.parameters
        for name, schema in (page.get("properties") or {}).items()
        if isinstance(schema, Mapping) and _is_secret(schema)
    )


_DIGEST_LINE = re.compile(r"^(    digest: \S+)$", re.MULTILINE)
"""The template's content hash: hex that secret scanners (the golden paths' own
secret-detection job) take for a key, so its line says it is none."""


@dataclass(frozen=True, slots=True)
class Answers:
    """What ``.goldpath/answers.yaml`` holds."""

    template_ref: str
    version: TemplateVersion
    values: dict[str, Any] = field(default_factory=dict)

    def dump(self) -> str:
        """The file's text (YAML through the dumper, with a comment on top)."""
        data = {
            "apiVersion": ANSWERS_API_VERSION,
            "kind": ANSWERS_KIND,
            "template": {"ref": self.template_ref, "version": self.version.as_dict()},
            "answers": self.values,
        }
        text = yaml.safe_dump(data, sort_keys=False)
        return _HEADER + _DIGEST_LINE.sub(r"\1  # pragma: allowlist secret", text, count=1)

    @classmethod
    def parse(cls, text: str | bytes, *, where: str = str(ANSWERS_PATH)) -> Answers:
        """Read an answers file; AnswersFileError naming each bad field."""
        try:
            data = load_yaml(text, where=where, max_bytes=256 * 1024)
        except InvalidInputError as exc:
            raise AnswersFileError(f"{where}: {exc.message}", errors=exc.errors) from exc
        problems: list[FieldError] = []
        if not isinstance(data, Mapping):
            raise AnswersFileError(
                f"{where} is not a mapping",
                errors=[FieldError(where, "type", "must be a YAML mapping")],
            )
        if data.get("kind") != ANSWERS_KIND:
            problems.append(FieldError("kind", "enum", f"must be {ANSWERS_KIND}"))
        template = data.get("template")
        template = template if isinstance(template, Mapping) else {}
        ref = template.get("ref")
        key = ""
        if not isinstance(ref, str) or not ref:
            problems.append(FieldError("template.ref", "required", "name the template"))
        else:
            try:
                key = EntityRef.parse(ref, default_kind="template", field="template.ref").key
            except InvalidInputError as exc:
                problems.extend(exc.errors)
        version = template.get("version")
        if not isinstance(version, Mapping) or not isinstance(version.get("digest"), str):
            problems.append(
                FieldError("template.version.digest", "required", "the template's content hash")
            )
            version = {}
        answers = data.get("answers", {})
        if not isinstance(answers, Mapping):
            problems.append(FieldError("answers", "type", "must be a mapping"))
            answers = {}
        if problems:
            raise AnswersFileError(
                f"{where} is invalid: " + "; ".join(str(p) for p in problems), errors=problems
            )
        return cls(
            template_ref=key,
            version=TemplateVersion.from_dict(version),
            values={str(k): v for k, v in answers.items()},
        )


def _holds_secret(value: Any, secrets: frozenset[str]) -> bool:
    if isinstance(value, str):
        return any(secret and secret in value for secret in secrets)
    if isinstance(value, Mapping):
        return any(_holds_secret(v, secrets) for v in value.values())
    if isinstance(value, list):
        return any(_holds_secret(v, secrets) for v in value)
    return False


def answers_for(
    template: Template,
    values: Mapping[str, Any],
    *,
    version: TemplateVersion,
    secrets: Iterable[str] = (),
) -> Answers:
    """The answers to record for a Create: the values less every secret."""
    hidden = secret_parameters(template)
    secret_values = frozenset(s for s in secrets if s)
    kept = {
        name: value
        for name, value in sorted(values.items())
        if name not in hidden and not _holds_secret(value, secret_values)
    }
    return Answers(template_ref=template.ref, version=version, values=kept)
