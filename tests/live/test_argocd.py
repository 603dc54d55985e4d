"""The Argo CD client against a double that serves Argo CD's documented Application."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from goldpath.providers._argocd import (
    ArgoCdApplicationNotFoundError,
    ArgoCdClient,
    ArgoCdError,
    parse_kube_time,
)
from goldpath.providers._http import ServiceUnavailableError
from tests.live._doubles import (
    ArgoCdState,
    argocd_application,
    argocd_application_validator,
    kube_time,
)
from tests.live.conftest import ARGOCD_TOKEN

FINISHED = datetime(2026, 3, 1, 12, 30, 15, tzinfo=UTC)


def _client(base_url: str, token: str = ARGOCD_TOKEN) -> ArgoCdClient:
    return ArgoCdClient(base_url, token=token, timeout=2.0)


def test_the_double_serves_what_the_contract_describes_in_both_time_forms() -> None:
    for time_format in ("rfc3339", "protobuf"):
        body = argocd_application("orders", time_format=time_format)  # type: ignore[arg-type]
        errors = list(argocd_application_validator(time_format).iter_errors(body))  # type: ignore[arg-type]
        assert errors == []


def test_the_contract_check_refuses_a_field_argo_cd_does_not_have() -> None:
    body = argocd_application("orders", time_format="protobuf")
    body["status"]["healthStatus"] = "Healthy"
    assert list(argocd_application_validator("protobuf").iter_errors(body)) != []


def test_the_unchanged_swagger_time_refuses_rfc3339_text() -> None:
    # The extract keeps v1Time as documented; only the rfc3339 validator widens it.
    body = argocd_application("orders", time_format="rfc3339")
    assert list(argocd_application_validator("protobuf").iter_errors(body)) != []


@pytest.mark.parametrize("time_format", ["rfc3339", "protobuf"])
def test_reads_sync_health_revision_and_last_sync(
    argocd: tuple[ArgoCdState, str], time_format: str
) -> None:
    state, base_url = argocd
    state.time_format = time_format  # type: ignore[assignment]
    state.applications["orders"] = argocd_application(
        "orders",
        sync="OutOfSync",
        health="Degraded",
        health_message="Deployment has 1 unavailable replica",
        revision="a" * 40,
        finished_at=FINISHED,
        time_format=time_format,  # type: ignore[arg-type]
    )
    app = _client(base_url).get_application("orders")
    assert app.sync_status == "OutOfSync"
    assert app.health_status == "Degraded"
    assert app.health_message == "Deployment has 1 unavailable replica"
    assert app.revision == "a" * 40
    assert app.last_synced_at == FINISHED
    assert app.operation_phase == "Succeeded"
    assert app.images == (f"111122223333.dkr.ecr.us-east-2.amazonaws.com/orders:{'a' * 12}",)


def test_sends_the_token_as_a_bearer_token(argocd: tuple[ArgoCdState, str]) -> None:
    state, base_url = argocd
    state.applications["orders"] = argocd_application("orders")
    _client(base_url).get_application("orders")
    assert state.authorizations == [f"Bearer {ARGOCD_TOKEN}"]
    assert state.requests == ["/api/v1/applications/orders"]


def test_last_sync_falls_back_to_the_history_without_an_operation(
    argocd: tuple[ArgoCdState, str],
) -> None:
    state, base_url = argocd
    state.applications["orders"] = argocd_application(
        "orders", finished_at=FINISHED, with_operation_state=False
    )
    app = _client(base_url).get_application("orders")
    assert app.operation_phase is None
    assert app.last_synced_at == FINISHED


def test_an_unknown_application_is_not_found(argocd: tuple[ArgoCdState, str]) -> None:
    _, base_url = argocd
    with pytest.raises(ArgoCdApplicationNotFoundError, match="no application ghost"):
        _client(base_url).get_application("ghost")


def test_a_refused_token_says_so_without_showing_it(argocd: tuple[ArgoCdState, str]) -> None:
    state, base_url = argocd
    state.applications["orders"] = argocd_application("orders")
    with pytest.raises(ArgoCdError) as caught:
        _client(base_url, token="wrong-secret-token").get_application("orders")
    assert "401" in caught.value.message and "token" in caught.value.message
    assert "wrong-secret-token" not in caught.value.message


def test_an_address_nobody_answers_is_unavailable(dead_url: str) -> None:
    with pytest.raises(ServiceUnavailableError, match="could not be reached"):
        _client(dead_url).get_application("orders")


@given(
    st.datetimes(
        min_value=datetime(1971, 1, 1), max_value=datetime(2999, 1, 1), timezones=st.just(UTC)
    )
)
def test_both_time_forms_read_back_the_same_second(moment: datetime) -> None:
    moment = moment.replace(microsecond=0)
    assert parse_kube_time(kube_time(moment, "rfc3339")) == moment
    assert parse_kube_time(kube_time(moment, "protobuf")) == moment


@given(
    st.one_of(
        st.none(),
        st.integers(),
        st.text(max_size=30),
        st.dictionaries(st.text(max_size=5), st.text(max_size=5)),
    )
)
def test_a_time_that_is_not_one_reads_as_none_or_a_datetime(value: object) -> None:
    parsed = parse_kube_time(value)
    assert parsed is None or parsed.tzinfo is not None
