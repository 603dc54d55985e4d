"""boto3 helpers: client construction and conversion of AWS failures to goldpath errors."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

import boto3  # type: ignore[import-untyped]
from botocore.config import Config  # type: ignore[import-untyped]
from botocore.exceptions import (  # type: ignore[import-untyped]
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
)

from goldpath.errors import ConflictError, NotFoundError, PermissionDeniedError, ProviderError

__all__ = [
    "AwsAccessDeniedError",
    "AwsConflictError",
    "AwsError",
    "AwsNotFoundError",
    "aws_client",
    "aws_error_code",
    "aws_errors",
    "known_regions",
]

_RETRIES = Config(retries={"max_attempts": 4, "mode": "standard"}, connect_timeout=10)
_NOT_FOUND = re.compile(r"(NotFound|NoSuch|ResourceNotFound)")
_DENIED = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "Forbidden", "403"}


class AwsError(ProviderError):
    """AWS failed or refused a call; the message names the call and AWS's error code."""


class AwsNotFoundError(NotFoundError):
    """AWS reports that the resource asked for does not exist."""


class AwsConflictError(ConflictError):
    """AWS reports that the resource exists or is in use."""


class AwsAccessDeniedError(PermissionDeniedError):
    """The credentials in use may not make this call."""


@cache
def _session(region: str) -> boto3.session.Session:
    # One session per region keeps botocore's loaded service models (loading them costs
    # about a second per client); credentials are still resolved per client.
    return boto3.session.Session(region_name=region)


_CLIENT_LOCK = threading.Lock()


def aws_client(service: str, *, region: str, endpoint_url: str | None = None) -> Any:
    """A boto3 client for one service and region (AWS_ENDPOINT_URL is honoured by boto3)."""
    with _CLIENT_LOCK:  # creating clients from one session is not thread-safe
        return _session(region).client(service, endpoint_url=endpoint_url, config=_RETRIES)


@cache
def known_regions() -> frozenset[str]:
    """Every region botocore knows in any partition."""
    session = boto3.session.Session()
    regions: set[str] = set()
    for partition in session.get_available_partitions():
        for service in ("s3", "ec2", "dynamodb"):
            regions.update(session.get_available_regions(service, partition_name=partition))
    return frozenset(regions)


def aws_error_code(exc: ClientError) -> str:
    """The error code AWS returned (``NoSuchBucket``, ``AccessDenied``, ...)."""
    error: dict[str, Any] = exc.response.get("Error", {})
    return str(error.get("Code", "Unknown"))


@contextmanager
def aws_errors(action: str, **context: Any) -> Iterator[None]:
    """Convert botocore exceptions raised inside the block into goldpath errors, chained."""
    try:
        yield
    except ClientError as exc:
        code = aws_error_code(exc)
        message = str(exc.response.get("Error", {}).get("Message", "")).strip()
        text = f"AWS refused {action}: {code}" + (f" ({message})" if message else "")
        if code in _DENIED:
            raise AwsAccessDeniedError(text, code=code, **context) from exc
        if code == "404" or _NOT_FOUND.search(code):
            raise AwsNotFoundError(text, code=code, **context) from exc
        if code in {"ResourceInUseException", "ResourceExistsException", "Conflict"}:
            raise AwsConflictError(text, code=code, **context) from exc
        raise AwsError(text, code=code, **context) from exc
    except NoCredentialsError as exc:
        raise AwsError(
            f"no AWS credentials for {action}: set AWS_PROFILE or AWS_ACCESS_KEY_ID/"
            "AWS_SECRET_ACCESS_KEY, or run `aws sso login`",
            code="NoCredentials",
            **context,
        ) from exc
    except NoRegionError as exc:
        raise AwsError(
            f"no AWS region for {action}: pass --region or set AWS_REGION",
            code="NoRegion",
            **context,
        ) from exc
    except EndpointConnectionError as exc:
        raise AwsError(
            f"cannot reach AWS for {action}: {exc.kwargs.get('endpoint_url', 'endpoint')} "
            "did not answer (network, proxy or AWS_ENDPOINT_URL)",
            code="EndpointConnection",
            **context,
        ) from exc
    except BotoCoreError as exc:
        raise AwsError(f"AWS call {action} failed: {exc}", code="BotoCore", **context) from exc
