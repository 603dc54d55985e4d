"""Personal API tokens: shown once, stored as a SHA-256 of the secret under a random id."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from goldpath.db import Database, as_utc
from goldpath.errors import FieldError, InvalidInputError
from goldpath.web.auth._tables import ApiTokenRow
from goldpath.web.auth.errors import InvalidTokenError, TokenNotFoundError

__all__ = ["ApiToken", "IssuedToken", "TokenStore", "hash_secret", "parse_token"]

TOKEN_PREFIX = "gp_"
MAX_NAME_LENGTH = 100
_TOKEN_RE = re.compile(r"^gp_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$")
# Recording every use would turn each API call into a write; a minute is precise enough.
_LAST_USED_GRANULARITY = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class ApiToken:
    """What is known about a token after it was issued (never its secret)."""

    id: str
    user_ref: str
    name: str
    created_at: datetime
    last_used_at: datetime | None


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A freshly created token: its record and the plaintext, shown exactly once."""

    token: ApiToken
    plaintext: str


def hash_secret(secret: str) -> str:
    """The stored form of a token's secret part."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def parse_token(plaintext: str) -> tuple[str, str]:
    """Split ``gp_<id>_<secret>`` into id and secret; InvalidTokenError when malformed."""
    match = _TOKEN_RE.match(plaintext.strip())
    if match is None:
        raise InvalidTokenError("the bearer token is not a goldpath personal API token")
    return match.group(1), match.group(2)


def _record(row: ApiTokenRow) -> ApiToken:
    created = as_utc(row.created_at)
    assert created is not None
    return ApiToken(
        id=row.id,
        user_ref=row.user_ref,
        name=row.name,
        created_at=created,
        last_used_at=as_utc(row.last_used_at),
    )


class TokenStore:
    """Issues, lists, verifies and revokes personal API tokens."""

    def __init__(self, database: Database) -> None:
        self._database = database

    def issue(self, user_ref: str, name: str) -> IssuedToken:
        """Create a token for a user; the plaintext is returned here and never again."""
        label = name.strip()
        if not label:
            raise InvalidInputError(
                "the token needs a name",
                errors=[FieldError("name", "required", "give the token a name")],
            )
        if len(label) > MAX_NAME_LENGTH:
            raise InvalidInputError(
                "the token name is too long",
                errors=[
                    FieldError("name", "maxLength", f"use at most {MAX_NAME_LENGTH} characters")
                ],
            )
        token_id = secrets.token_hex(8)
        secret = secrets.token_urlsafe(32)
        row = ApiTokenRow(
            id=token_id,
            user_ref=user_ref,
            name=label,
            secret_sha256=hash_secret(secret),
            created_at=datetime.now(UTC),
            last_used_at=None,
        )
        with self._database.session() as session:
            session.add(row)
            session.flush()
            record = _record(row)
        return IssuedToken(token=record, plaintext=f"{TOKEN_PREFIX}{token_id}_{secret}")

    def list_for(self, user_ref: str) -> list[ApiToken]:
        """The user's tokens, newest first."""
        with self._database.session() as session:
            rows = session.scalars(
                select(ApiTokenRow)
                .where(ApiTokenRow.user_ref == user_ref)
                .order_by(ApiTokenRow.created_at.desc())
            ).all()
            return [_record(row) for row in rows]

    def revoke(self, user_ref: str, token_id: str) -> None:
        """Delete one of the user's tokens; TokenNotFoundError when it is not theirs."""
        with self._database.session() as session:
            row = session.get(ApiTokenRow, token_id)
            if row is None or row.user_ref != user_ref:
                raise TokenNotFoundError(
                    f"you have no API token with id {token_id!r}", token_id=token_id
                )
            session.delete(row)

    def verify(self, plaintext: str) -> ApiToken:
        """The token a bearer secret belongs to; InvalidTokenError when unknown or revoked."""
        token_id, secret = parse_token(plaintext)
        with self._database.session() as session:
            row = session.get(ApiTokenRow, token_id)
            if row is None or not hmac.compare_digest(row.secret_sha256, hash_secret(secret)):
                raise InvalidTokenError("the bearer token is unknown or was revoked")
            now = datetime.now(UTC)
            last = as_utc(row.last_used_at)
            if last is None or now - last >= _LAST_USED_GRANULARITY:
                row.last_used_at = now
            return _record(row)
