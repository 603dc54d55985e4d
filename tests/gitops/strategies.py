"""Hypothesis strategies for valid app names, platforms and app specs."""

from __future__ import annotations

from hypothesis import strategies as st

from goldpath.gitops import ENVIRONMENTS, MAX_APP_NAME_LENGTH, AppSpec, PlatformSpec

_LOWER = "abcdefghijklmnopqrstuvwxyz"
_DIGITS = "0123456789"


def _dns_label(first: str, max_size: int) -> st.SearchStrategy[str]:
    # Built from alphabets rather than a regex: the same language, far cheaper to draw.
    tail = st.text(alphabet=_LOWER + _DIGITS + "-", max_size=max_size - 2)
    end = st.sampled_from(_LOWER + _DIGITS)
    return st.one_of(
        st.sampled_from(first),
        st.builds(lambda a, b, c: a + b + c, st.sampled_from(first), tail, end),
    )


_LABEL = _dns_label(_LOWER + _DIGITS, 22)


def app_names() -> st.SearchStrategy[str]:
    """Any valid app name (DNS-1123 label within goldpath's length limit)."""
    return _dns_label(_LOWER, MAX_APP_NAME_LENGTH)


def domains() -> st.SearchStrategy[str]:
    """Any DNS domain with a letters-only top-level label."""
    return st.builds(
        lambda labels, tld: ".".join([*labels, tld]),
        st.lists(_LABEL, min_size=1, max_size=4),
        st.text(alphabet=_LOWER, min_size=2, max_size=10),
    )


def certificate_arns() -> st.SearchStrategy[str]:
    """Any ACM certificate ARN shape (partitions, regions, id characters)."""
    return st.builds(
        lambda partition, region, account, cert: (
            f"arn:{partition}:acm:{region}:{account}:certificate/{cert}"
        ),
        st.sampled_from(["aws", "aws-cn", "aws-us-gov"]),
        st.from_regex(r"[a-z]{2}-[a-z]+-[0-9]", fullmatch=True),
        st.from_regex(r"[0-9]{12}", fullmatch=True),
        st.from_regex(r"[A-Za-z0-9-]{1,64}", fullmatch=True),
    )


def platforms() -> st.SearchStrategy[PlatformSpec]:
    """Platforms with any domain, certificate, account, region and egress configuration."""
    return st.builds(
        lambda domain, arn, account, region, egress: PlatformSpec(
            domain=domain,
            certificate_arn=arn,
            aws_account_id=account,
            aws_region=region,
            ecr_registry=f"{account}.dkr.ecr.{region}.amazonaws.com",
            egress_https_cidrs=egress,
        ),
        domains(),
        certificate_arns(),
        st.from_regex(r"[0-9]{12}", fullmatch=True),
        st.from_regex(r"[a-z]{2}-[a-z]+-[0-9]", fullmatch=True),
        st.lists(st.sampled_from(["0.0.0.0/0", "52.94.0.0/16", "3.5.0.0/16"]), max_size=2).map(
            tuple
        ),
    )


_ENV_KEYS = st.from_regex(r"[A-Z_][A-Z0-9_]{0,15}", fullmatch=True).filter(lambda k: k != "PORT")


def app_specs() -> st.SearchStrategy[AppSpec]:
    """Any valid AppSpec."""
    return st.builds(
        lambda name, team, description, port, metrics, replicas, env, secrets, envs, platform,
        tag, services: AppSpec(
            name=name,
            owner=f"group:default/{team}",
            gitops_repo_url=f"https://git.example.com/gitops/{name}.git",
            description=description,
            port=port,
            metrics_port=metrics,
            replicas=replicas,
            env={k: v for k, v in env.items() if k not in secrets},
            secret_keys=tuple(sorted(secrets)),
            environments=tuple(envs),
            platform=platform,
            image_tag=tag,
            egress_to_services=services,
        ),
        app_names(),
        _dns_label(_LOWER, 22),
        st.text(max_size=200),
        st.integers(min_value=1024, max_value=65535),
        st.none() | st.integers(min_value=1024, max_value=65535),
        st.integers(min_value=1, max_value=10),
        st.dictionaries(_ENV_KEYS, st.text(max_size=30), max_size=3),
        st.sets(_ENV_KEYS, max_size=3),
        st.lists(st.sampled_from(ENVIRONMENTS), unique=True),
        platforms(),
        st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,40}", fullmatch=True).filter(
            lambda t: t != "latest"
        ),
        st.booleans(),
    )
