"""AppSpec and PlatformSpec refuse bad input with the field and the rule."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from goldpath.config import Settings
from goldpath.gitops import MAX_APP_NAME_LENGTH, AppSpec, PlatformSpec
from tests.gitops.helpers import spec


def _fields(exc: ValidationError) -> set[str]:
    return {".".join(str(p) for p in err["loc"]) for err in exc.errors()}


@pytest.mark.parametrize("name", ["Payments", "-pay", "pay-", "pay_ments", "",
                                  "a" * (MAX_APP_NAME_LENGTH + 1)])
def test_invalid_app_names_are_rejected_naming_the_field(name: str) -> None:
    with pytest.raises(ValidationError) as exc:
        spec(name=name)
    assert _fields(exc.value) == {"name"}


def test_repo_url_must_end_in_dot_git() -> None:
    with pytest.raises(ValidationError, match="must end with .git") as exc:
        spec(gitops_repo_url="https://gitlab.example.com/gitops/payments")
    assert _fields(exc.value) == {"gitops_repo_url"}


def test_repo_url_must_not_carry_credentials() -> None:
    with pytest.raises(ValidationError, match="credentials"):
        spec(gitops_repo_url="https://user:token@gitlab.example.com/gitops/payments.git")


def test_owner_must_be_a_group() -> None:
    with pytest.raises(ValidationError, match="must be a Group"):
        spec(owner="user:default/alice")


def test_privileged_ports_are_rejected() -> None:
    with pytest.raises(ValidationError) as exc:
        spec(port=80)
    assert _fields(exc.value) == {"port"}


def test_a_variable_cannot_be_plain_and_secret() -> None:
    with pytest.raises(ValidationError, match="both as a plain variable and a secret"):
        spec(env={"TOKEN": "x"}, secret_keys=("TOKEN",))


def test_environments_are_put_in_promotion_order() -> None:
    assert spec(environments=("prod", "dev")).environments == ("dev", "prod")


def test_unknown_environment_is_rejected() -> None:
    with pytest.raises(ValidationError):
        spec(environments=("qa",))


def test_team_is_the_group_name() -> None:
    assert spec(owner="group:default/team-pay").team == "team-pay"
    assert spec(owner="team-pay").team == "team-pay"


def test_platform_rejects_a_bad_cidr_naming_the_field() -> None:
    with pytest.raises(ValidationError) as exc:
        PlatformSpec(vpc_cidr="10.0.0.1/16")
    assert _fields(exc.value) == {"vpc_cidr"}


def test_platform_defaults_are_obvious_examples() -> None:
    platform = PlatformSpec()
    assert platform.domain.endswith("example.com")
    assert platform.aws_account_id == "111122223333"
    assert platform.kubernetes_version == "1.30"
    assert platform.service_cidr == "172.20.0.0/16"


def test_platform_from_settings_carries_every_fact() -> None:
    settings = Settings.model_validate({"platform": {
        "domain": "apps.acme.io", "aws_account_id": "444455556666", "aws_region": "eu-west-1",
        "egress_https_cidrs": ["52.94.0.0/16"], "kubernetes_version": "1.29",
        "secrets_prefix": "acme/apps",
    }})
    platform = PlatformSpec.from_settings(settings)
    assert platform.domain == "apps.acme.io"
    assert platform.ecr_registry == "444455556666.dkr.ecr.eu-west-1.amazonaws.com"
    assert platform.egress_https_cidrs == ("52.94.0.0/16",)
    assert platform.kubernetes_version == "1.29"
    assert platform.secrets_prefix == "acme/apps"


def test_app_spec_is_frozen() -> None:
    with pytest.raises(ValidationError):
        spec().name = "other"


def test_spec_round_trips_through_json() -> None:
    original = spec(environments=("dev",), env={"A": "1"})
    assert AppSpec.model_validate_json(original.model_dump_json()) == original
