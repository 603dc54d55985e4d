"""GitLab pipelines through python-gitlab against a double of GitLab's documented REST shapes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import SecretStr

from goldpath.config import GitIntegration
from goldpath.providers._gitlab_pipelines import (
    GitLabPipelineError,
    GitLabPipelines,
    stage_status,
    stages_of,
)
from tests.live._doubles import GitLabJobSpec, GitLabPipelineSpec, GitLabState
from tests.live.conftest import GITLAB_TOKEN

SIX_STAGES = [
    GitLabJobSpec("eslint", "lint", "success"),
    GitLabJobSpec("jest", "test", "success"),
    GitLabJobSpec("npm-audit", "security", "failed", allow_failure=True),
    GitLabJobSpec("trivy", "security", "success"),
    GitLabJobSpec("image", "build", "failed"),
    GitLabJobSpec("push", "push", "created"),
    GitLabJobSpec("update-gitops", "update-gitops", "created"),
]


def _pipelines(base_url: str, token: str = GITLAB_TOKEN) -> GitLabPipelines:
    integration = GitIntegration(
        host="gitlab.example.com", token=SecretStr(token), api_base_url=f"{base_url}/api/v4"
    )
    return GitLabPipelines(integration, timeout=2.0)


def test_reads_the_latest_pipeline_with_its_stages_in_order(
    gitlab: tuple[GitLabState, str],
) -> None:
    state, base_url = gitlab
    state.projects["apps/orders"] = GitLabPipelineSpec(id=287, status="failed", jobs=SIX_STAGES)
    pipeline = _pipelines(base_url).latest("apps/orders")
    assert pipeline is not None
    assert (pipeline.id, pipeline.ref, pipeline.status) == (287, "main", "failed")
    assert pipeline.web_url == f"{base_url}/apps/orders/-/pipelines/287"
    assert [(s.name, s.status) for s in pipeline.stages] == [
        ("lint", "success"),
        ("test", "success"),
        ("security", "success"),  # the failed audit may fail
        ("build", "failed"),
        ("push", "pending"),
        ("update-gitops", "pending"),
    ]
    assert state.requests == [
        "/api/v4/projects/apps/orders/pipelines/latest",
        "/api/v4/projects/1000/pipelines/287/jobs",  # python-gitlab uses the project's id
    ]


def test_no_pipeline_for_the_latest_commit_is_none(gitlab: tuple[GitLabState, str]) -> None:
    state, base_url = gitlab
    state.projects["apps/orders"] = None
    assert _pipelines(base_url).latest("apps/orders") is None


def test_an_unknown_project_is_an_error_naming_it(gitlab: tuple[GitLabState, str]) -> None:
    _, base_url = gitlab
    with pytest.raises(GitLabPipelineError, match=r"404.*apps/ghost"):
        _pipelines(base_url).latest("apps/ghost")


def test_a_refused_token_never_appears_in_the_error(gitlab: tuple[GitLabState, str]) -> None:
    state, base_url = gitlab
    state.projects["apps/orders"] = GitLabPipelineSpec(id=1, status="success", jobs=[])
    with pytest.raises(GitLabPipelineError, match="401") as caught:
        _pipelines(base_url, token="glpat-wrong-998877").latest("apps/orders")
    assert "glpat-wrong-998877" not in caught.value.message


def test_an_address_nobody_answers_is_an_error(dead_url: str) -> None:
    with pytest.raises(GitLabPipelineError, match="could not be reached"):
        _pipelines(dead_url).latest("apps/orders")


_JOB_STATUSES = st.sampled_from(
    ["created", "pending", "running", "success", "failed", "canceled", "skipped", "manual"]
)


@given(st.lists(st.tuples(_JOB_STATUSES, st.booleans()), min_size=1, max_size=8))
def test_a_stage_fails_exactly_when_a_job_that_must_not_fail_failed(
    jobs: list[tuple[str, bool]],
) -> None:
    must_not_fail = any(status == "failed" and not allowed for status, allowed in jobs)
    assert (stage_status(jobs) == "failed") == must_not_fail


@given(st.lists(st.tuples(_JOB_STATUSES, st.booleans()), min_size=1, max_size=8))
def test_a_stage_succeeds_only_when_every_job_did_or_may_fail(
    jobs: list[tuple[str, bool]],
) -> None:
    if stage_status(jobs) == "success":
        assert all(s in ("success", "skipped") or (s == "failed" and a) for s, a in jobs)


@given(
    st.lists(
        st.tuples(
            st.integers(1, 10_000), st.sampled_from(["lint", "test", "build"]), _JOB_STATUSES
        ),
        unique_by=lambda job: job[0],
        max_size=12,
    )
)
def test_stages_come_in_the_order_their_first_job_was_created(
    jobs: list[tuple[int, str, str]],
) -> None:
    stages = stages_of([{"id": i, "stage": s, "status": status} for i, s, status in jobs])
    firsts = {s: min(i for i, stage, _ in jobs if stage == s) for _, s, _ in jobs}
    assert [s.name for s in stages] == sorted(firsts, key=firsts.__getitem__)
