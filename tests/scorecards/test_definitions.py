"""Checks files: the shipped defaults, the platform team's own files, and clear refusals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from goldpath.scorecards import (
    API_VERSION,
    FILE_KIND,
    CheckDefinitionError,
    load_check_set,
    parse_checks,
)
from tests.scorecards._evidence import FilesEvidence, component

DEFAULT_IDS = [
    "has-owner",
    "has-ci",
    "ci-security-stage",
    "dockerfile-non-root",
    "template-up-to-date",
    "alerts-defined",
    "docs-present",
    "tests-present",
]


def _document(*checks: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": API_VERSION, "kind": FILE_KIND, "checks": list(checks)}


def _write(path: Path, *checks: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(_document(*checks)), encoding="utf-8")
    return path


def _problems(document: object) -> list[tuple[str, str]]:
    with pytest.raises(CheckDefinitionError) as caught:
        parse_checks(document, where="team.yaml")
    return [(e.field, e.rule) for e in caught.value.errors]


RUNBOOK = {
    "id": "has-runbook",
    "title": "Has a runbook",
    "rule": {"fileExists": {"anyOf": ["docs/runbook.md"]}},
}


def test_shipped_checks_are_the_eight_defaults_in_order() -> None:
    assert [check.id for check in load_check_set()] == DEFAULT_IDS


def test_shipped_checks_apply_to_components_only() -> None:
    checks = load_check_set()
    assert len(checks.applicable(component())) == len(DEFAULT_IDS)
    assert checks.applicable({"kind": "Group", "metadata": {"name": "a"}, "spec": {}}) == ()


def test_an_extra_file_adds_its_checks_after_the_shipped_ones(tmp_path: Path) -> None:
    checks = load_check_set([_write(tmp_path / "team.yaml", RUNBOOK)])
    assert [check.id for check in checks] == [*DEFAULT_IDS, "has-runbook"]
    runbook = checks.get("has-runbook")
    assert runbook.source == str(tmp_path / "team.yaml")
    assert runbook.evaluate(FilesEvidence(app={"docs/runbook.md": b"# Run"})).passed
    assert not runbook.evaluate(FilesEvidence(app={})).passed


def test_a_disabled_shipped_check_is_left_out() -> None:
    checks = load_check_set(disabled=["template-up-to-date"])
    assert "template-up-to-date" not in [check.id for check in checks]
    assert len(checks) == len(DEFAULT_IDS) - 1


def test_a_disabled_shipped_check_can_be_replaced_by_the_platform_teams_own(
    tmp_path: Path,
) -> None:
    mine = {"id": "tests-present", "rule": {"fileExists": {"anyOf": ["spec/**"]}}}
    checks = load_check_set([_write(tmp_path / "t.yaml", mine)], disabled=["tests-present"])
    assert [c.id for c in checks].count("tests-present") == 1
    assert checks.get("tests-present").source == str(tmp_path / "t.yaml")


def test_redefining_a_shipped_check_without_disabling_it_is_refused(tmp_path: Path) -> None:
    mine = {"id": "has-ci", "rule": {"fileExists": {"anyOf": ["Jenkinsfile"]}}}
    with pytest.raises(CheckDefinitionError) as caught:
        load_check_set([_write(tmp_path / "t.yaml", mine)])
    assert [(e.field, e.rule) for e in caught.value.errors] == [("checks.id", "unique")]
    assert "scorecards.disabled_checks" in caught.value.errors[0].message


def test_disabling_a_check_that_is_not_shipped_is_refused() -> None:
    with pytest.raises(CheckDefinitionError) as caught:
        load_check_set(disabled=["has-owner", "has-unicorns"])
    assert [(e.field, e.rule) for e in caught.value.errors] == [
        ("scorecards.disabled_checks[1]", "shipped-check")
    ]


def test_a_missing_extra_file_is_refused_naming_the_setting(tmp_path: Path) -> None:
    with pytest.raises(CheckDefinitionError) as caught:
        load_check_set([tmp_path / "nope.yaml"])
    assert caught.value.errors[0].field == "scorecards.check_files"
    assert "nope.yaml" in caught.value.message


def test_an_extra_file_that_is_not_yaml_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("checks: [\n", encoding="utf-8")
    with pytest.raises(CheckDefinitionError) as caught:
        load_check_set([path])
    assert "not valid YAML" in caught.value.message


def test_wrong_api_version_kind_and_empty_checks_are_each_named() -> None:
    assert _problems({"apiVersion": "v1", "kind": "Checks", "checks": []}) == [
        ("apiVersion", "enum"),
        ("kind", "enum"),
        ("checks", "required"),
    ]


def test_a_document_that_is_not_a_mapping_is_refused() -> None:
    assert _problems(["a"]) == [("document", "type")]


@pytest.mark.parametrize(
    ("check", "expected"),
    [
        ({"title": "x", "rule": {"fileExists": {"anyOf": ["a"]}}}, ("checks[0].id", "required")),
        (
            {"id": "Has_CI", "rule": {"fileExists": {"anyOf": ["a"]}}},
            ("checks[0].id", "pattern"),
        ),
        ({"id": "a"}, ("checks[0].rule", "required")),
        ({"id": "a", "rule": {"fileFound": {}}}, ("checks[0].rule.fileFound", "unknown-rule")),
        (
            {"id": "a", "rule": {"fileExists": {}, "entityField": {}}},
            ("checks[0].rule", "one-kind"),
        ),
        ({"id": "a", "rule": {"fileExists": {}}}, ("checks[0].rule.fileExists.anyOf", "required")),
        (
            {"id": "a", "rule": {"fileExists": {"anyOf": ["../etc/passwd"]}}},
            ("checks[0].rule.fileExists.anyOf[0]", "relative-path"),
        ),
        (
            {"id": "a", "rule": {"fileExists": {"anyOf": ["a"], "repository": "infra"}}},
            ("checks[0].rule.fileExists.repository", "enum"),
        ),
        (
            {"id": "a", "rule": {"fileMatches": {"path": "a", "pattern": "(unclosed"}}},
            ("checks[0].rule.fileMatches.pattern", "regex"),
        ),
        (
            {"id": "a", "rule": {"yamlValue": {"path": "a.yml", "key": "x", "equals": [1]}}},
            ("checks[0].rule.yamlValue.equals", "type"),
        ),
        (
            {"id": "a", "rule": {"entityField": {"path": "spec..owner"}}},
            ("checks[0].rule.entityField.path", "dotted-path"),
        ),
        (
            {"id": "a", "rule": {"dockerfileNonRoot": {"user": "1000"}}},
            ("checks[0].rule.dockerfileNonRoot.user", "unknown-key"),
        ),
        ({"id": "a", "rule": {"allOf": []}}, ("checks[0].rule.allOf", "type")),
        (
            {"id": "a", "rule": {"anyOf": [{"fileExists": {"anyOf": ["a"]}}, {"nope": {}}]}},
            ("checks[0].rule.anyOf[1].nope", "unknown-rule"),
        ),
        (
            {"id": "a", "appliesTo": {"kind": []}, "rule": {"templateUpToDate": {}}},
            ("checks[0].appliesTo.kind", "type"),
        ),
        (
            {"id": "a", "owner": "me", "rule": {"templateUpToDate": {}}},
            ("checks[0].owner", "unknown-key"),
        ),
    ],
)
def test_each_problem_names_its_field_and_rule(
    check: dict[str, Any], expected: tuple[str, str]
) -> None:
    assert _problems(_document(check)) == [expected]


def test_a_check_id_used_twice_in_one_file_is_refused() -> None:
    assert _problems(_document(RUNBOOK, RUNBOOK)) == [("checks[1].id", "unique")]


def test_every_problem_of_a_file_is_reported_at_once() -> None:
    bad = _document(
        {"id": "BAD", "rule": {"fileExists": {}}},
        {"id": "ok", "rule": {"nope": {}}},
    )
    assert _problems(bad) == [
        ("checks[0].id", "pattern"),
        ("checks[0].rule.fileExists.anyOf", "required"),
        ("checks[1].rule.nope", "unknown-rule"),
    ]


def test_rules_nested_too_deep_are_refused() -> None:
    rule: dict[str, Any] = {"fileExists": {"anyOf": ["a"]}}
    for _ in range(12):
        rule = {"allOf": [rule]}
    problems = _problems(_document({"id": "deep", "rule": rule}))
    assert problems[0][1] == "depth"


def test_applies_to_narrows_by_kind_and_type() -> None:
    (check,) = parse_checks(
        _document(
            {
                "id": "websites-only",
                "appliesTo": {"kind": "component", "type": ["Website"]},
                "rule": {"templateUpToDate": {}},
            }
        ),
        where="team.yaml",
    )
    assert check.applies_to.matches({**component(), "spec": {"type": "website"}})
    assert not check.applies_to.matches(component())
    assert not check.applies_to.matches({"kind": "API", "spec": {"type": "website"}})
