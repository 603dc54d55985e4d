"""Hypothesis strategies for the golden-path templates' parameters."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from goldpath.gitops import MAX_APP_NAME_LENGTH
from tests.templates._render import NODEJS, GoldenPath

NODE_VERSIONS = NODEJS.versions


def app_names() -> st.SearchStrategy[str]:
    """Any name the template accepts: a DNS-1123 label starting with a letter, 2..40 long."""
    middle = MAX_APP_NAME_LENGTH - 2
    generated = st.from_regex(rf"\A[a-z]([-a-z0-9]{{0,{middle}}}[a-z0-9])\Z", fullmatch=True)
    # Valid names that YAML 1.1 reads as booleans, null or numbers when left unquoted.
    yaml_words = st.sampled_from(["null", "true", "false", "yes", "no", "on", "off", "nan", "e10"])
    return st.one_of(yaml_words, generated)


def descriptions() -> st.SearchStrategy[str]:
    """One trimmed printable line: quotes, colons, braces and any script included."""
    alphabet = st.characters(
        categories=("L", "N", "P", "S", "Zs"), exclude_characters="\r\n\x85\u2028\u2029"
    )
    return (
        st.text(alphabet, min_size=1, max_size=200).map(lambda text: text.strip(" ")).filter(bool)
    )


def owners() -> st.SearchStrategy[str]:
    """A catalog Group, as a plain name or a full entity ref."""
    team = st.one_of(
        st.sampled_from(["yes", "null", "true"]),
        st.from_regex(r"\A[a-z][a-z0-9]{0,10}(-[a-z0-9]{1,8}){0,2}\Z", fullmatch=True),
    )
    return st.one_of(team, team.map(lambda name: f"group:default/{name}"))


def systems() -> st.SearchStrategy[str]:
    """A System entity name, or empty for none."""
    return st.one_of(
        st.just(""),
        st.sampled_from(["0", "1.5", "1e3", "true", "null", "no"]),
        st.from_regex(r"\A[a-z0-9]{1,12}([-_.][a-z0-9]{1,8}){0,2}\Z", fullmatch=True),
    )


@st.composite
def parameters(draw: st.DrawFn, golden_path: GoldenPath = NODEJS) -> dict[str, Any]:
    """A full, valid set of ``golden_path``'s form parameters (optional ones sometimes out)."""
    params: dict[str, Any] = {
        "name": draw(app_names()),
        "description": draw(descriptions()),
        "owner": draw(owners()),
    }
    system = draw(systems())
    if system:
        params["system"] = system
    if draw(st.booleans()):
        params["port"] = draw(st.integers(min_value=1024, max_value=65535))
    if draw(st.booleans()):
        params[golden_path.version_parameter] = draw(st.sampled_from(golden_path.versions))
    return params
