"""The one redaction rule: secret values never reach a log, a task event or a task's output.

What is masked, wherever a secret's text appears inside a string:

- the secret itself, in any letter case (``TOKEN``, ``token``, ``Token``);
- the secret reversed (``| reverse``);
- the secret in base64 (standard and URL-safe alphabets, padded or not), including
  inside a longer base64 text (an ``Authorization: Basic base64(user:token)`` header);
- optionally (``urls=True``), the ``user:password@`` part of every URL, which is how
  git and HTTP clients print credentials they were handed.

What is never redacted: generated files. A template's output files are the user's own
work; a secret value that also appears in a normal parameter must stay as it was
written there. Apply this only where text is written for people to read: log lines,
event bodies, error messages and the task's output.

This module imports nothing from goldpath, so every package (the scaffolder's task
store, the platform's command runner, a git command runner) can use it.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

__all__ = ["REDACTED", "Redactor", "redact", "redact_text", "secret_variants"]

REDACTED = "***"

# A transformed form shorter than this is not masked: masking every "ab" in a log would
# hide the log, and so short a fragment gives nothing away. The secret itself, and its
# letter-case variants, are masked at any length.
MIN_VARIANT_LENGTH = 6

_URL_USERINFO = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\s]+@")


def _base64_forms(data: bytes) -> set[str]:
    """Base64 texts that reveal ``data``: whole, and its stable core at any alignment."""
    forms: set[str] = set()
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        whole = encode(data).decode("ascii")
        forms.add(whole)
        forms.add(whole.rstrip("="))
        # inside a longer text the secret may start at any byte offset modulo 3; the
        # characters that depend only on the secret's bytes are the same whatever
        # surrounds it, so mask them at each of the three alignments
        for offset in range(3):
            encoded = encode(b"\0" * offset + data + b"\0\0").decode("ascii")
            head = ((offset + 2) // 3) * 4  # groups that mix in the leading filler
            covered = (offset + len(data)) // 3 * 4  # groups made of secret bytes only
            core = encoded[head:covered]
            if core:
                forms.add(core)
    return forms


def secret_variants(secret: str) -> set[str]:
    """Every text that is masked for one secret (before case-insensitive matching)."""
    if not secret:
        return set()
    variants = {secret}
    if len(secret) >= MIN_VARIANT_LENGTH:
        variants.add(secret[::-1])
        # a lone surrogate cannot be encoded, and then cannot be in a base64 text either;
        # one whole base64 group (4 characters, 3 bytes of the secret) is enough to mask
        encoded = _base64_forms(secret.encode("utf-8", "surrogatepass"))
        variants.update(form for form in encoded if len(form) >= 4)
    return variants


@lru_cache(maxsize=512)
def _pattern(secrets: tuple[str, ...]) -> re.Pattern[str] | None:
    needles: set[str] = set()
    for secret in secrets:
        needles.update(secret_variants(secret))
    if not needles:
        return None
    # longest first, so a secret that contains another is masked whole
    ordered = sorted(needles, key=lambda n: (-len(n), n))
    return re.compile("|".join(re.escape(n) for n in ordered), re.IGNORECASE)


class Redactor:
    """Masks a fixed set of secrets (and optionally URL credentials) in text and values."""

    __slots__ = ("_pattern", "_urls")

    def __init__(self, secrets: Iterable[str] = (), *, urls: bool = False) -> None:
        unique = tuple(sorted({s for s in secrets if isinstance(s, str) and s}))
        self._pattern = _pattern(unique)
        self._urls = urls

    def __bool__(self) -> bool:
        return self._pattern is not None or self._urls

    def text(self, text: str) -> str:
        """``text`` with every secret form (and, if asked, URL credentials) replaced."""
        if self._pattern is not None:
            text = self._pattern.sub(REDACTED, text)
        if self._urls:
            text = _URL_USERINFO.sub(r"\g<scheme>" + REDACTED + "@", text)
        return text

    def value(self, value: Any) -> Any:
        """A copy of a (nested) value with every string inside it redacted."""
        if not self:
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            return {key: self.value(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [self.value(item) for item in value]
        return value


def redact_text(text: str, secrets: Iterable[str] = (), *, urls: bool = False) -> str:
    """``text`` with every form of every secret replaced by ``***``."""
    return Redactor(secrets, urls=urls).text(text)


def redact(value: Any, secrets: Iterable[str] = (), *, urls: bool = False) -> Any:
    """A (nested) value with every form of every secret inside its strings replaced."""
    return Redactor(secrets, urls=urls).value(value)
