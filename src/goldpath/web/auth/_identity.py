"""Who is calling: the Identity value and the FastAPI dependencies that provide it."""

from __future__ import annotations

import dataclasses
from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import Depends, Request
from starlette.requests import HTTPConnection

from goldpath.errors import NotFoundError
from goldpath.web._deps import catalog_service
from goldpath.web.auth.errors import SignInRequiredError

__all__ = [
    "GUEST_REF",
    "CurrentIdentity",
    "Identity",
    "SignInMethod",
    "current_identity",
    "guest_identity",
    "identity_from_scope",
    "optional_identity",
    "set_scope_identity",
    "signed_in_identity",
]

GUEST_REF = "user:default/guest"
SignInMethod = Literal["guest", "github", "token", "implicit-guest"]
_SCOPE_KEY = "goldpath.identity"


@dataclass(frozen=True, slots=True)
class Identity:
    """A signed-in caller: their catalog User ref, name, email and (when known) entity."""

    user_ref: str
    display_name: str
    email: str | None = None
    entity: dict[str, Any] | None = None
    is_guest: bool = False
    method: SignInMethod = "guest"

    def to_session(self) -> dict[str, Any]:
        """The JSON-friendly part kept in the signed session cookie (no entity)."""
        return {
            "ref": self.user_ref,
            "name": self.display_name,
            "email": self.email,
            "guest": self.is_guest,
            "method": self.method,
        }

    @classmethod
    def from_session(cls, data: object) -> Identity | None:
        """Rebuild from ``to_session()`` data; None when the data is not that shape."""
        if not isinstance(data, dict):
            return None
        ref, name = data.get("ref"), data.get("name")
        email, guest, method = data.get("email"), data.get("guest"), data.get("method")
        if not isinstance(ref, str) or not isinstance(name, str) or not isinstance(guest, bool):
            return None
        if email is not None and not isinstance(email, str):
            return None
        if method not in ("guest", "github", "token", "implicit-guest"):
            return None
        return cls(user_ref=ref, display_name=name, email=email, is_guest=guest, method=method)


def guest_identity(*, implicit: bool = False) -> Identity:
    """The development guest (Backstage's ``user:default/guest``)."""
    return Identity(
        user_ref=GUEST_REF,
        display_name="Guest",
        is_guest=True,
        method="implicit-guest" if implicit else "guest",
    )


def identity_from_scope(connection: HTTPConnection) -> Identity | None:
    """The identity the sign-in middleware resolved for this request, if any."""
    value = connection.scope.get(_SCOPE_KEY)
    return value if isinstance(value, Identity) else None


def set_scope_identity(scope: MutableMapping[str, Any], identity: Identity | None) -> None:
    """Record the caller for this request (used by the middleware)."""
    scope[_SCOPE_KEY] = identity


def _with_entity(request: Request, identity: Identity) -> Identity:
    if identity.entity is not None:
        return identity
    try:
        entity = catalog_service(request).get_entity(identity.user_ref)
    except NotFoundError:
        return identity
    return dataclasses.replace(identity, entity=entity)


def optional_identity(request: Request) -> Identity | None:
    """The signed-in caller with their catalog entity, or None when no one is signed in."""
    identity = identity_from_scope(request)
    return None if identity is None else _with_entity(request, identity)


def signed_in_identity(connection: HTTPConnection) -> Identity:
    """The signed-in caller as the middleware resolved them (no catalog read); 401 when no
    one is signed in. What needs only the caller's ref uses this, not ``current_identity``."""
    identity = identity_from_scope(connection)
    if identity is None:
        raise SignInRequiredError("sign in to use goldpath")
    return identity


def current_identity(request: Request) -> Identity:
    """The signed-in caller with their catalog entity; 401 when no one is signed in."""
    return _with_entity(request, signed_in_identity(request))


CurrentIdentity = Annotated[Identity, Depends(current_identity)]
"""Route parameter type for the signed-in caller: ``identity: CurrentIdentity``."""
