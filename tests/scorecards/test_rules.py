"""Each rule kind against in-memory repositories: what passes, what fails, and why."""

from __future__ import annotations

from typing import Any

import pytest

from goldpath.fleet import Answers, TemplateVersion
from goldpath.scorecards import (
    API_VERSION,
    FILE_KIND,
    CachedTemplateVersions,
    Check,
    compile_glob,
    dockerfile_user,
    load_check_set,
    parse_checks,
)
from tests.scorecards._evidence import FilesEvidence, component

CI = b"""
stages: [lint, test, security, build]
lint: {stage: lint, script: [npm run lint]}
audit: {stage: security, script: [npm audit]}
"""


def _check(rule: dict[str, Any], **extra: Any) -> Check:
    (check,) = parse_checks(
        {
            "apiVersion": API_VERSION,
            "kind": FILE_KIND,
            "checks": [{"id": "c", "rule": rule, **extra}],
        },
        where="t.yaml",
    )
    return check


def _shipped(check_id: str) -> Check:
    return load_check_set().get(check_id)


# ---- globs ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("glob", "path", "matches"),
    [
        ("Dockerfile", "Dockerfile", True),
        ("Dockerfile", "app/Dockerfile", False),
        ("*.yml", "a.yml", True),
        ("*.yml", "x/a.yml", False),
        ("**/*.yml", "a.yml", True),
        ("**/*.yml", "x/y/a.yml", True),
        ("test/**", "test/a/b.js", True),
        ("test/**", "tests/a.js", False),
        ("a?c", "abc", True),
        ("a?c", "a/c", False),
        ("a.b", "axb", False),
    ],
)
def test_globs_keep_single_stars_inside_one_folder(glob: str, path: str, matches: bool) -> None:
    assert bool(compile_glob(glob).fullmatch(path)) is matches


# ---- the shipped checks -------------------------------------------------------------------


def test_has_owner_passes_when_the_owner_is_in_the_catalog() -> None:
    evidence = FilesEvidence(
        entity=component(owner="team-a"), known=frozenset({"group:default/team-a"})
    )
    result = _shipped("has-owner").evaluate(evidence)
    assert result.passed
    assert "group:default/team-a" in result.message


def test_has_owner_fails_for_an_owner_the_catalog_does_not_hold() -> None:
    result = _shipped("has-owner").evaluate(FilesEvidence(entity=component(owner="ghosts")))
    assert not result.passed
    assert result.message == "spec.owner is group:default/ghosts, which is not in the catalog"


def test_has_owner_fails_without_an_owner() -> None:
    result = _shipped("has-owner").evaluate(FilesEvidence(entity=component()))
    assert (result.passed, result.message) == (False, "spec.owner is not set")


@pytest.mark.parametrize(
    ("files", "passed"),
    [
        ({".gitlab-ci.yml": b"stages: [test]"}, True),
        ({".github/workflows/ci.yaml": b"on: push"}, True),
        ({"ci/.gitlab-ci.yml": b""}, False),
        ({}, False),
    ],
)
def test_has_ci_looks_for_a_gitlab_pipeline_or_github_workflow(
    files: dict[str, bytes], passed: bool
) -> None:
    assert _shipped("has-ci").evaluate(FilesEvidence(app=files)).passed is passed


def test_ci_security_stage_needs_the_stage_and_a_job_in_it() -> None:
    check = _shipped("ci-security-stage")
    assert check.evaluate(FilesEvidence(app={".gitlab-ci.yml": CI})).passed
    no_job = CI.replace(b"stage: security", b"stage: test")
    result = check.evaluate(FilesEvidence(app={".gitlab-ci.yml": no_job}))
    assert (result.passed, result.message) == (False, ".gitlab-ci.yml has no *.stage: security")
    no_stage = CI.replace(b"security, ", b"")
    assert not check.evaluate(FilesEvidence(app={".gitlab-ci.yml": no_stage})).passed


def test_ci_security_stage_fails_saying_the_pipeline_is_not_yaml() -> None:
    result = _shipped("ci-security-stage").evaluate(
        FilesEvidence(app={".gitlab-ci.yml": b"stages: [a\n"})
    )
    assert not result.passed
    assert result.message.startswith(".gitlab-ci.yml is not valid YAML")


@pytest.mark.parametrize(
    ("dockerfile", "passed", "says"),
    [
        ("FROM node:26\nUSER node\n", True, "runs as USER node"),
        ("FROM node:26\n", False, "sets no USER"),
        ("FROM node:26\nUSER root\n", False, "which is root"),
        ("FROM node:26\nUSER 1000\nUSER 0:0\n", False, "which is root"),
        ("FROM node:26\nUSER ${APP_UID}\n", False, "build variable"),
        ("FROM a AS base\nUSER 1000\nFROM base AS runtime\nCMD x\n", True, "USER 1000"),
        ("FROM a AS build\nUSER 1000\nFROM node:26\nCOPY --from=build /a /a\n", False, "no USER"),
        ("FROM --platform=linux/amd64 a AS Base\nUSER app\nFROM base\n", True, "USER app"),
        ("FROM a\nRUN echo \\\n  USER 1000\n", False, "sets no USER"),
        ("# USER 1000\nFROM a\n# USER 1000\n", False, "sets no USER"),
        ("USER 1000\n", False, "no FROM"),
    ],
)
def test_dockerfile_user_reads_the_final_stage(dockerfile: str, passed: bool, says: str) -> None:
    ok, message = dockerfile_user(dockerfile)
    assert ok is passed
    assert says in message


def test_dockerfile_non_root_fails_without_a_dockerfile() -> None:
    result = _shipped("dockerfile-non-root").evaluate(FilesEvidence(app={}))
    assert (result.passed, result.message) == (
        False,
        "the application repository has no Dockerfile",
    )


NODEJS = "template:default/nodejs-service"
ANSWERS = Answers(NODEJS, TemplateVersion(digest="a" * 64, human="1.2.0"), {"name": "x"})


def _answers_file(answers: Answers = ANSWERS) -> dict[str, bytes]:
    return {".goldpath/answers.yaml": answers.dump().encode()}


def test_template_up_to_date_passes_on_the_current_version() -> None:
    evidence = FilesEvidence(app=_answers_file(), versions={NODEJS: "a" * 64})
    result = _shipped("template-up-to-date").evaluate(evidence)
    assert result.passed
    assert result.message == f"made from {NODEJS} at its current version 1.2.0 (aaaaaaaaaaaa)"


def test_template_up_to_date_fails_behind_naming_both_versions() -> None:
    evidence = FilesEvidence(app=_answers_file(), versions={NODEJS: "b" * 64})
    result = _shipped("template-up-to-date").evaluate(evidence)
    assert not result.passed
    assert "version 1.2.0 (aaaaaaaaaaaa); the current version is bbbbbbbbbbbb" in result.message


def test_template_up_to_date_reads_a_short_template_ref() -> None:
    short = Answers("nodejs-service", TemplateVersion(digest="c" * 64), {})
    evidence = FilesEvidence(app=_answers_file(short), versions={NODEJS: "c" * 64})
    assert _shipped("template-up-to-date").evaluate(evidence).passed


@pytest.mark.parametrize(
    ("files", "says"),
    [
        ({}, "no .goldpath/answers.yaml"),
        ({".goldpath/answers.yaml": b"kind: TemplateAnswers\n"}, "template.ref"),
        ({".goldpath/answers.yaml": b"- a\n"}, "is not a mapping"),
        ({".goldpath/answers.yaml": b"template: [\n"}, ".goldpath/answers.yaml"),
        (_answers_file(), "does not know the current version"),
    ],
)
def test_template_up_to_date_fails_saying_what_is_missing(
    files: dict[str, bytes], says: str
) -> None:
    result = _shipped("template-up-to-date").evaluate(FilesEvidence(app=files))
    assert not result.passed
    assert says in result.message


def test_alerts_defined_reads_the_gitops_repository() -> None:
    rule = b"apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\n"
    check = _shipped("alerts-defined")
    assert check.evaluate(FilesEvidence(gitops={"base/rules.yaml": rule})).passed
    assert not check.evaluate(FilesEvidence(app={"base/rules.yaml": rule})).passed
    result = check.evaluate(FilesEvidence(gitops=None))
    assert (result.passed, result.message) == (False, "the gitops repository cannot be read: gone")


def test_docs_present_needs_mkdocs_and_an_index() -> None:
    check = _shipped("docs-present")
    assert check.evaluate(FilesEvidence(app={"mkdocs.yml": b"", "docs/index.md": b"#"})).passed
    result = check.evaluate(FilesEvidence(app={"mkdocs.yml": b""}))
    assert (result.passed, result.message) == (
        False,
        "the application repository has no docs/index.md",
    )


@pytest.mark.parametrize(
    "path", ["test/app.test.js", "tests/test_app.py", "src/x_test.go", "a/b.spec.ts"]
)
def test_tests_present_knows_jest_pytest_and_go(path: str) -> None:
    assert _shipped("tests-present").evaluate(FilesEvidence(app={path: b""})).passed


def test_tests_present_fails_on_an_app_without_tests() -> None:
    result = _shipped("tests-present").evaluate(FilesEvidence(app={"src/app.js": b""}))
    assert not result.passed
    assert "has no **/*.test.js" in result.message


# ---- the generic rules --------------------------------------------------------------------


def test_entity_field_matches_any_list_item() -> None:
    check = _check({"entityField": {"path": "metadata.tags", "matches": "^tier-[0-9]$"}})
    tagged = {**component(), "metadata": {"name": "a", "tags": ["java", "tier-1"]}}
    assert check.evaluate(FilesEvidence(entity=tagged)).passed
    assert not check.evaluate(FilesEvidence(entity=component())).passed


def test_file_matches_searches_lines_of_every_matching_file() -> None:
    check = _check({"fileMatches": {"path": "**/*.md", "pattern": "^## Runbook$"}})
    files = {"README.md": b"# A\n", "docs/ops.md": b"# Ops\n## Runbook\n"}
    result = check.evaluate(FilesEvidence(app=files))
    assert (result.passed, result.message) == (True, "docs/ops.md matches ^## Runbook$")


def test_any_of_passes_on_one_and_all_of_fails_on_one() -> None:
    exists = {"fileExists": {"anyOf": ["a"]}}
    missing = {"fileExists": {"anyOf": ["b"]}}
    evidence = FilesEvidence(app={"a": b""})
    assert _check({"anyOf": [missing, exists]}).evaluate(evidence).passed
    assert not _check({"allOf": [exists, missing]}).evaluate(evidence).passed


def test_an_unreadable_repository_fails_one_branch_of_any_of_not_the_check() -> None:
    rule = {
        "anyOf": [
            {"fileExists": {"repository": "gitops", "anyOf": ["a"]}},
            {"fileExists": {"anyOf": ["a"]}},
        ]
    }
    assert _check(rule).evaluate(FilesEvidence(app={"a": b""}, gitops=None)).passed


def test_results_carry_the_check_title() -> None:
    check = _check({"fileExists": {"anyOf": ["a"]}}, title="Has A")
    assert check.evaluate(FilesEvidence()).title == "Has A"


def test_template_versions_are_asked_once_per_ttl() -> None:
    asked: list[str] = []

    def source(ref: str) -> str | None:
        asked.append(ref)
        return "d" * 64

    cached = CachedTemplateVersions(source, ttl_seconds=3600)
    assert cached.current_version(NODEJS) == cached.current_version(NODEJS) == "d" * 64
    assert asked == [NODEJS]
    fresh = CachedTemplateVersions(source, ttl_seconds=0)
    fresh.current_version(NODEJS)
    fresh.current_version(NODEJS)
    assert asked == [NODEJS] * 3
