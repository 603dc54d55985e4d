"""The one redaction rule (goldpath.redaction): secrets and their common transforms."""

from __future__ import annotations

import base64
import string

from hypothesis import given
from hypothesis import strategies as st

from goldpath.redaction import REDACTED, Redactor, redact, redact_text

SECRET_CHARS = string.ascii_letters + string.digits + "-_.~!@#$%^&()+="
secrets_ = st.text(alphabet=SECRET_CHARS, min_size=6, max_size=40)
context = st.text(alphabet=string.printable.replace("*", ""), max_size=30)


def _transforms(secret: str) -> list[str]:
    raw = secret.encode()
    return [
        secret,
        secret[::-1],
        secret.upper(),
        secret.lower(),
        secret.swapcase(),
        base64.b64encode(raw).decode(),
        base64.b64encode(raw).decode().rstrip("="),
        base64.urlsafe_b64encode(raw).decode(),
    ]


@given(secret=secrets_, prefix=context, suffix=context)
def test_no_transform_of_a_secret_survives(secret: str, prefix: str, suffix: str) -> None:
    for shown in _transforms(secret):
        out = redact_text(prefix + shown + suffix, [secret])
        assert shown not in out
        assert REDACTED in out


@given(secret=secrets_, user=st.text(alphabet=string.ascii_letters + ":-", max_size=20))
def test_a_secret_inside_a_basic_auth_header_is_masked(secret: str, user: str) -> None:
    header = base64.b64encode(f"{user}{secret}".encode()).decode()
    out = redact_text(f"Authorization: Basic {header}", [secret])
    assert header not in out
    assert REDACTED in out


@given(secret=secrets_)
def test_nested_values_are_redacted_and_not_mutated(secret: str) -> None:
    body = {"message": f"token {secret}", "items": [secret[::-1], {"deep": secret.upper()}]}
    out = redact(body, [secret])
    assert out["message"] == f"token {REDACTED}"
    assert out["items"][0] == REDACTED
    assert out["items"][1]["deep"] == REDACTED
    assert body["message"] == f"token {secret}"


def test_url_credentials_are_masked_for_command_runners() -> None:
    text = "fatal: unable to access 'https://oauth2:glpat-abc@gitlab.example.com/a/b.git/'"
    assert redact_text(text, urls=True) == (
        "fatal: unable to access 'https://***@gitlab.example.com/a/b.git/'"
    )
    assert "glpat-abc" in redact_text(text)  # only when asked


def test_the_longest_secret_is_masked_whole() -> None:
    out = redact_text("value: abcdefgh-and-more", ["abcdefgh", "abcdefgh-and-more"])
    assert out == "value: ***"


def test_short_transforms_do_not_hide_ordinary_text() -> None:
    # a three-letter secret is masked as itself only: its reverse and base64 forms are
    # too short to give it away and would blank out half of every log line
    assert redact_text("abc cba YWJj", ["abc"]) == "*** cba YWJj"


def test_an_empty_redactor_changes_nothing() -> None:
    value = {"a": ["b"]}
    assert Redactor([]).value(value) is value
    assert not Redactor([""])
