"""Template versions (content hashes) and answers files (never secrets)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from goldpath.fleet import (
    Answers,
    AnswersFileError,
    TemplateVersion,
    answers_for,
    secret_parameters,
    template_version,
)
from goldpath.scaffolder import Template, parse_template

TEMPLATE: dict[str, Any] = {
    "apiVersion": "scaffolder.backstage.io/v1beta3",
    "kind": "Template",
    "metadata": {"name": "svc", "annotations": {}},
    "spec": {
        "parameters": [
            {
                "properties": {
                    "name": {"type": "string"},
                    "token": {"type": "string", "ui:field": "Secret"},
                    "password": {"type": "string", "ui:widget": "password"},
                    "masked": {"type": "string", "ui:backstage": {"review": {"mask": "***"}}},
                }
            }
        ],
        "steps": [{"id": "f", "action": "fetch:template", "input": {"url": "./skeleton"}}],
    },
}


def _template(
    tmp_path: Path, *, human: str | None = None, dockerfile: str = "FROM a\n"
) -> Template:
    folder = tmp_path / "tpl"
    (folder / "skeleton").mkdir(parents=True, exist_ok=True)
    (folder / "skeleton" / "Dockerfile").write_text(dockerfile)
    entity = {**TEMPLATE, "metadata": {"name": "svc", "annotations": {}}}
    if human:
        entity["metadata"]["annotations"]["goldpath.dev/template-version"] = human
    return parse_template(entity, base_dir=folder)


def test_the_version_is_stable_and_follows_the_files(tmp_path: Path) -> None:
    first = template_version(_template(tmp_path))
    assert template_version(_template(tmp_path)) == first
    changed = template_version(_template(tmp_path, dockerfile="FROM b\n"))
    assert changed.digest != first.digest and len(first.short) == 12


def test_an_executable_bit_changes_the_version(tmp_path: Path) -> None:
    template = _template(tmp_path)
    before = template_version(template)
    (tmp_path / "tpl" / "skeleton" / "Dockerfile").chmod(0o755)
    assert template_version(template) != before


def test_caches_next_to_the_skeleton_do_not_change_the_version(tmp_path: Path) -> None:
    template = _template(tmp_path)
    before = template_version(template)
    (tmp_path / "tpl" / "skeleton" / "__pycache__").mkdir()
    (tmp_path / "tpl" / "skeleton" / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"\0")
    assert template_version(template) == before


def test_the_human_version_comes_from_the_annotation(tmp_path: Path) -> None:
    version = template_version(_template(tmp_path, human="1.4.0"))
    assert version.human == "1.4.0" and version.label == f"1.4.0 ({version.short})"
    assert template_version(_template(tmp_path)).digest == version.digest


def test_answers_leave_out_secret_parameters_and_secret_values(tmp_path: Path) -> None:
    template = _template(tmp_path)
    assert secret_parameters(template) == {"token", "password", "masked"}
    answers = answers_for(
        template,
        {"name": "orders", "token": "t0k", "password": "pw", "masked": "m", "note": "x-S3CR3T-y"},
        version=TemplateVersion("ab" * 32),
        secrets=["S3CR3T"],
    )
    assert answers.values == {"name": "orders"}
    text = answers.dump()
    for secret in ("t0k", "pw", "S3CR3T"):
        assert secret not in text


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


@given(values=st.dictionaries(st.text(min_size=1, max_size=12), _json, max_size=5))
def test_an_answers_file_reads_back_what_was_written(values: dict[str, Any]) -> None:
    answers = Answers("template:default/svc", TemplateVersion("cd" * 32, "2.0"), values)
    assert Answers.parse(answers.dump()) == answers


def test_the_content_hash_is_marked_as_no_secret_for_the_secret_scanner() -> None:
    # The golden paths' secret-detection job (detect-secrets) takes a hex digest for a key.
    text = Answers("template:default/svc", TemplateVersion("cd" * 32), {}).dump()
    (line,) = [line for line in text.splitlines() if "digest:" in line]
    assert line.endswith("# pragma: allowlist secret")


def test_a_malformed_answers_file_names_each_field() -> None:
    with pytest.raises(AnswersFileError) as caught:
        Answers.parse("kind: Nope\ntemplate: {}\nanswers: [1]\n")
    fields = {e.field for e in caught.value.errors}
    assert {"kind", "template.ref", "template.version.digest", "answers"} <= fields
