"""Every golden path's pipeline has the shape goldpath.templates states, and shares its jobs.

Only the language jobs (lint, test, dependency-audit, sast) and the language image
variables may differ between paths; everything else is the same definition, key for key.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings

from goldpath.templates import (
    LANGUAGE_JOBS,
    MERGE_REQUEST_JOBS,
    PIPELINE_JOBS,
    PIPELINE_STAGES,
    SHARED_JOBS,
    SHARED_SETTINGS,
    SHARED_VARIABLES,
)
from tests.templates._render import GOLDEN_PATHS, GoldenPath
from tests.templates.conftest import BASE_PARAMETERS
from tests.templates.strategies import app_names, descriptions, owners
from tests.templates.test_skeleton_rendering import jobs, pipeline_of, render, resolved

MAIN_ONLY_RULES = [{"if": "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"}]
each_path = pytest.mark.parametrize("golden_path", GOLDEN_PATHS, ids=lambda path: path.name)


def _shared_parameters(name: str, description: str, owner: str) -> dict[str, Any]:
    return {"name": name, "description": description, "owner": owner}


@each_path
def test_pipeline_has_the_six_stages_in_order(golden_path: GoldenPath) -> None:
    assert pipeline_of(golden_path=golden_path)["stages"] == list(PIPELINE_STAGES)


@each_path
def test_pipeline_has_exactly_the_shared_jobs_in_order_each_in_its_stage(
    golden_path: GoldenPath,
) -> None:
    pipeline = pipeline_of(golden_path=golden_path)
    stages = {name: resolved(pipeline, job)["stage"] for name, job in jobs(pipeline).items()}
    assert stages == dict(PIPELINE_JOBS)
    assert list(stages) == list(PIPELINE_JOBS)


@each_path
def test_merge_requests_run_the_checks_and_the_default_branch_runs_everything(
    golden_path: GoldenPath,
) -> None:
    pipeline = pipeline_of(golden_path=golden_path)
    for name, job in jobs(pipeline).items():
        rules = resolved(pipeline, job).get("rules")
        if name in MERGE_REQUEST_JOBS:
            assert rules is None, name
        else:
            assert rules == MAIN_ONLY_RULES, name


def test_language_and_shared_jobs_split_the_pipeline() -> None:
    assert set(LANGUAGE_JOBS) | set(SHARED_JOBS) == set(PIPELINE_JOBS)
    assert not set(LANGUAGE_JOBS) & set(SHARED_JOBS)
    assert set(MERGE_REQUEST_JOBS) <= set(PIPELINE_JOBS)


@settings(max_examples=20, deadline=None)
@given(name=app_names(), description=descriptions(), owner=owners())
def test_shared_jobs_settings_and_variables_are_identical_in_every_path(
    name: str, description: str, owner: str
) -> None:
    params = _shared_parameters(name, description, owner)
    node, *others = (pipeline_of(params, golden_path) for golden_path in GOLDEN_PATHS)
    for other in others:
        for key in (*SHARED_JOBS, *SHARED_SETTINGS):
            assert other[key] == node[key], key
        for variable in SHARED_VARIABLES:
            assert other["variables"][variable] == node["variables"][variable], variable


@each_path
def test_every_security_check_blocks_except_the_image_scan(golden_path: GoldenPath) -> None:
    pipeline = pipeline_of(golden_path=golden_path)
    for name, stage in PIPELINE_JOBS.items():
        if stage != "security":
            continue
        blocking = resolved(pipeline, pipeline[name]).get("allow_failure", False) is False
        assert blocking == (name != "container-scan"), name


def test_secret_detection_scans_every_file_but_dependencies_and_caches() -> None:
    job = pipeline_of(BASE_PARAMETERS)["secret-detection"]
    assert job["needs"] == []
    assert '"detect-secrets==1.5.0"' in job["before_script"][-1]
    script = job["script"][0]
    assert "detect-secrets-hook" in script
    for folder in (".git", ".cache", ".venv", "node_modules", ".npm", ".mypy_cache", "__pycache__"):
        assert f"-name {folder} " in script, folder


@each_path
def test_the_generated_readme_documents_every_security_job(golden_path: GoldenPath) -> None:
    files, _ = render(BASE_PARAMETERS, golden_path)
    readme = files["README.md"]
    assert "| Job | Tool | Fails the pipeline when |" in readme
    for name, stage in PIPELINE_JOBS.items():
        if stage == "security":
            assert f"| `{name}` |" in readme, name
