"""Sign-in for the portal and API: identities, sessions, GitHub OAuth, tokens and CSRF."""

from goldpath.web.auth._csrf import (
    CSRF_FORM_FIELD,
    CSRF_HEADER,
    csrf_input,
    csrf_token,
    csrf_token_matches,
    rotate_csrf_token,
)
from goldpath.web.auth._github import GITHUB_SCOPES, GitHubOAuth, GitHubUser
from goldpath.web.auth._identity import (
    GUEST_REF,
    CurrentIdentity,
    Identity,
    SignInMethod,
    current_identity,
    guest_identity,
    identity_from_scope,
    optional_identity,
    signed_in_identity,
)
from goldpath.web.auth._install import SESSION_COOKIE, install_auth, session_secret, token_store_of
from goldpath.web.auth._paths import (
    PUBLIC_PATHS,
    SIGN_IN_PATH,
    is_page_path,
    is_public_path,
    safe_next,
    sign_in_url,
)
from goldpath.web.auth._resolve import display_name_of, resolve_github_user, user_ref_of
from goldpath.web.auth._routes import github_oauth_of, start_session
from goldpath.web.auth._tokens import ApiToken, IssuedToken, TokenStore, hash_secret, parse_token
from goldpath.web.auth.errors import (
    CsrfError,
    GitHubSignInError,
    InvalidTokenError,
    SignInMethodUnavailableError,
    SignInRefusedError,
    SignInRequiredError,
    TokenNotFoundError,
)

__all__ = [
    "ApiToken",
    "CSRF_FORM_FIELD",
    "CSRF_HEADER",
    "CsrfError",
    "CurrentIdentity",
    "GITHUB_SCOPES",
    "GUEST_REF",
    "GitHubOAuth",
    "GitHubSignInError",
    "GitHubUser",
    "Identity",
    "InvalidTokenError",
    "IssuedToken",
    "PUBLIC_PATHS",
    "SESSION_COOKIE",
    "SIGN_IN_PATH",
    "SignInMethod",
    "SignInMethodUnavailableError",
    "SignInRefusedError",
    "SignInRequiredError",
    "TokenNotFoundError",
    "TokenStore",
    "csrf_input",
    "csrf_token",
    "csrf_token_matches",
    "current_identity",
    "display_name_of",
    "github_oauth_of",
    "guest_identity",
    "hash_secret",
    "identity_from_scope",
    "install_auth",
    "is_page_path",
    "is_public_path",
    "optional_identity",
    "parse_token",
    "resolve_github_user",
    "rotate_csrf_token",
    "safe_next",
    "session_secret",
    "sign_in_url",
    "signed_in_identity",
    "start_session",
    "token_store_of",
    "user_ref_of",
]
