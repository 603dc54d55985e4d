"""mkdocs.yml is user input: what a build may run is decided here, before MkDocs reads it."""

from __future__ import annotations

import posixpath

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from goldpath.config import TechDocsSettings
from goldpath.techdocs import (
    BuildPolicy,
    DocsConfigError,
    SourceTree,
    prepare_source,
)

PAGES = {"docs/index.md": b"# Home\n"}


def _tree(mkdocs: str | None, files: dict[str, bytes] | None = None) -> SourceTree:
    found = dict(PAGES if files is None else files)
    if mkdocs is not None:
        found["mkdocs.yml"] = mkdocs.encode()
    return SourceTree(where="test", files=found)


def _refused(mkdocs: str, policy: BuildPolicy) -> DocsConfigError:
    with pytest.raises(DocsConfigError) as caught:
        prepare_source(_tree(mkdocs), policy=policy, default_site_name="x")
    return caught.value


def _rules(error: DocsConfigError) -> set[tuple[str, str]]:
    return {(e.field, e.rule) for e in error.errors}


def test_hooks_are_refused_naming_the_key(policy: BuildPolicy) -> None:
    error = _refused("site_name: s\nhooks:\n  - hooks.py\n", policy)
    assert ("hooks", "refused") in _rules(error)
    assert "hooks run Python" in error.message


def test_a_plugin_outside_the_allow_list_is_refused(policy: BuildPolicy) -> None:
    error = _refused("site_name: s\nplugins:\n  - techdocs-core\n  - macros\n", policy)
    assert ("plugins", "allow-list") in _rules(error)
    assert "'macros' is not allowed" in error.message


def test_settings_extend_the_plugin_allow_list() -> None:
    policy = BuildPolicy.from_settings(TechDocsSettings(extra_plugins=["redirects"]))
    source = prepare_source(
        _tree("site_name: s\nplugins:\n  - redirects\n"), policy=policy, default_site_name="x"
    )
    assert source.config["plugins"] == ["techdocs-core", "redirects"]


def test_a_markdown_extension_outside_the_allow_list_is_refused(policy: BuildPolicy) -> None:
    error = _refused("site_name: s\nmarkdown_extensions:\n  - pymdownx.arithmatex\n", policy)
    assert ("markdown_extensions", "allow-list") in _rules(error)


@pytest.mark.parametrize(
    "tag",
    [
        "!!python/name:os.system",
        "!!python/object/apply:os.system ['id']",
        "!ENV GOLDPATH_AUTH__SESSION_SECRET",
        "!relative $config_dir",
    ],
)
def test_yaml_tags_that_run_code_or_read_the_environment_are_refused(
    tag: str, policy: BuildPolicy
) -> None:
    error = _refused(f"site_name: {tag}\n", policy)
    assert "is refused" in error.message
    assert any(e.rule == "yaml-tag" for e in error.errors)


@pytest.mark.parametrize(
    ("mkdocs", "field"),
    [
        ("site_name: s\ndocs_dir: ../elsewhere\n", "docs_dir"),
        ("site_name: s\ndocs_dir: /etc\n", "docs_dir"),
        ("site_name: s\ndocs_dir: .\n", "docs_dir"),
        ("site_name: s\nsite_dir: /tmp/out\n", "site_dir"),
        ("site_name: s\nnav:\n  - Secret: ../../etc/passwd\n", "nav[0].Secret"),
        ("site_name: s\nnav:\n  - /etc/passwd\n", "nav[0]"),
        ("site_name: s\nnav:\n  - Other: '!include ../other/mkdocs.yml'\n", "nav[0].Other"),
        ("site_name: s\nnav:\n  - Run: 'javascript:alert(1)'\n", "nav[0].Run"),
        ("site_name: s\ntheme:\n  name: material\n  custom_dir: overrides\n", "theme.custom_dir"),
        ("site_name: s\nextra_javascript:\n  - evil.js\n", "extra_javascript"),
        ("site_name: s\nINHERIT: ../base.yml\n", "INHERIT"),
        ("site_name: s\nextra_templates:\n  - x.html\n", "extra_templates"),
        ("site_name: s\nmystery_setting: 1\n", "mystery_setting"),
    ],
)
def test_paths_outside_the_docs_and_code_paths_are_refused_naming_the_field(
    mkdocs: str, field: str, policy: BuildPolicy
) -> None:
    error = _refused(mkdocs, policy)
    assert field in {e.field for e in error.errors}, error.errors


def test_options_of_extensions_that_reach_files_are_refused(policy: BuildPolicy) -> None:
    mkdocs = "site_name: s\nmarkdown_extensions:\n  - pymdownx.snippets:\n      base_path: [/]\n"
    error = _refused(mkdocs, policy)
    assert ("markdown_extensions", "managed") in _rules(error)


def test_every_problem_is_listed_at_once(policy: BuildPolicy) -> None:
    error = _refused("site_name: s\nhooks: [h.py]\nplugins: [macros]\ndocs_dir: ../x\n", policy)
    assert {f for f, _ in _rules(error)} >= {"hooks", "plugins", "docs_dir"}


def test_a_source_without_mkdocs_yml_gets_one_named_after_the_entity(
    policy: BuildPolicy,
) -> None:
    source = prepare_source(_tree(None), policy=policy, default_site_name="Orders API")
    assert source.config["site_name"] == "Orders API"
    assert source.config["plugins"] == ["techdocs-core"]
    assert source.docs == {"index.md": b"# Home\n"}


def test_only_files_of_the_docs_folder_are_built(policy: BuildPolicy) -> None:
    files = {**PAGES, "src/app.js": b"x", "docs/img/a.png": b"png"}
    source = prepare_source(_tree("site_name: s\n", files), policy=policy, default_site_name="x")
    assert sorted(source.docs) == ["img/a.png", "index.md"]


def test_a_docs_folder_without_pages_is_refused(policy: BuildPolicy) -> None:
    with pytest.raises(DocsConfigError) as caught:
        prepare_source(
            _tree("site_name: s\n", {"README.md": b"x"}), policy=policy, default_site_name="x"
        )
    assert ("docs_dir", "empty") in _rules(caught.value)


def test_the_written_config_is_plain_yaml_without_the_refused_keys(policy: BuildPolicy) -> None:
    mkdocs = "site_name: s\nsite_url: https://x\nextra_css: [a.css]\nnav:\n  - Home: index.md\n"
    source = prepare_source(_tree(mkdocs), policy=policy, default_site_name="x")
    dumped = yaml.safe_dump(source.config)
    assert "!!" not in dumped
    assert set(source.config) == {
        "site_name",
        "docs_dir",
        "theme",
        "use_directory_urls",
        "plugins",
        "markdown_extensions",
        "nav",
    }


_segments = st.sampled_from(["..", ".", "docs", "a", "b.md", "", "/", "~", "%2e%2e"])


@given(st.lists(_segments, min_size=1, max_size=6).map("/".join))
def test_a_nav_entry_is_refused_or_stays_inside_the_docs_folder(path: str) -> None:
    policy = BuildPolicy.from_settings(TechDocsSettings())
    mkdocs = yaml.safe_dump({"site_name": "s", "nav": [{"Page": path}]})
    try:
        source = prepare_source(_tree(mkdocs), policy=policy, default_site_name="x")
    except DocsConfigError:
        return
    (entry,) = source.config["nav"]
    kept = entry["Page"]
    assert not kept.startswith("/")
    assert ".." not in posixpath.normpath(kept).split("/")


@given(
    st.dictionaries(
        st.sampled_from(["index.md", "a.md", "img/x.png"]), st.binary(max_size=40), min_size=1
    ),
    st.sampled_from(["index.md", "a.md", "img/x.png"]),
    st.binary(min_size=1, max_size=8),
)
def test_the_source_hash_changes_exactly_when_the_docs_change(
    docs: dict[str, bytes], changed: str, extra: bytes
) -> None:
    policy = BuildPolicy.from_settings(TechDocsSettings())
    files = {"docs/index.md": b"# x\n", **{f"docs/{k}": v for k, v in docs.items()}}
    first = prepare_source(_tree("site_name: s\n", files), policy=policy, default_site_name="x")
    again = prepare_source(_tree("site_name: s\n", files), policy=policy, default_site_name="x")
    assert first.source_hash == again.source_hash
    edited = dict(files)
    edited[f"docs/{changed}"] = files.get(f"docs/{changed}", b"") + extra
    other = prepare_source(_tree("site_name: s\n", edited), policy=policy, default_site_name="x")
    assert other.source_hash != first.source_hash
