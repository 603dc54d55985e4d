"""Real MkDocs builds in the sandbox: pages, nav, sanitised output, time and size limits."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from goldpath.techdocs import (
    Builder,
    BuildPolicy,
    DocsBuildError,
    SandboxPool,
    SourceTree,
    prepare_source,
)
from goldpath.techdocs._sanitise import page_fragment
from tests.techdocs._sites import GUIDE, INDEX, tiny_png

MKDOCS = b"site_name: Widgets\nnav:\n  - Overview: index.md\n  - Guide: guide.md\n"


def _source(policy: BuildPolicy, pages: dict[str, str], mkdocs: bytes = MKDOCS) -> SourceTree:
    files = {f"docs/{k}": v.encode() for k, v in pages.items()}
    files["docs/img/diagram.png"] = tiny_png()
    files["mkdocs.yml"] = mkdocs
    return SourceTree(where="test", files=files)


def _build(builder: Builder, pages: dict[str, str], mkdocs: bytes = MKDOCS):  # type: ignore[no-untyped-def]
    source = prepare_source(
        _source(builder.policy, pages, mkdocs), policy=builder.policy, default_site_name="x"
    )
    return builder.build(source)


def test_a_build_makes_pages_nav_contents_and_copies_images(builder: Builder) -> None:
    site = _build(builder, {"index.md": INDEX, "guide.md": GUIDE})
    assert sorted(site.files) == ["guide/index.html", "img/diagram.png", "index.html"]
    assert site.manifest["nav"] == [
        {"title": "Overview", "url": ""},
        {"title": "Guide", "url": "guide/"},
    ]
    guide = next(p for p in site.manifest["pages"] if p["url"] == "guide/")
    assert guide["toc"][0]["id"] == "getting-started"
    assert guide["toc"][0]["children"][0]["id"] == "configure"
    index = page_fragment(site.files["index.html"].decode())
    assert '<h1 id="widget-service">' in index
    assert 'href="guide/"' in index  # Markdown links between pages become site links
    assert "Documentation built" in site.log


def test_a_page_with_a_script_is_stored_without_it(builder: Builder) -> None:
    page = (
        "# Hi\n\n<script>document.cookie</script>\n\n"
        '<img src="img/diagram.png" onerror="alert(1)">\n\n'
        "[click](javascript:alert(1))\n"
    )
    site = _build(builder, {"index.md": page, "guide.md": GUIDE})
    stored = site.files["index.html"].decode()
    assert "<script" not in stored and "document.cookie" not in stored
    assert "onerror" not in stored
    assert "javascript:" not in stored


def test_snippets_cannot_include_files_outside_the_docs(builder: Builder, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRETVALUE", encoding="utf-8")
    page = f'# Hi\n\n--8<-- "{secret}"\n\n--8<-- "../../../../../../{secret}"\n'
    try:
        site = _build(builder, {"index.md": page, "guide.md": GUIDE})
    except DocsBuildError as exc:  # snippets refuses the path outright
        assert "TOPSECRETVALUE" not in str(exc.context.get("log"))
        return
    assert all(b"TOPSECRETVALUE" not in data for data in site.files.values())


def _limited(builder: Builder, **limits: float) -> Builder:
    return Builder(
        dataclasses.replace(builder.policy, **limits), scratch=builder.scratch, pool=builder.pool
    )


def test_a_build_over_its_time_limit_is_stopped(builder: Builder) -> None:
    with pytest.raises(DocsBuildError) as caught:
        _build(_limited(builder, timeout_seconds=0.001), {"index.md": INDEX, "guide.md": GUIDE})
    assert "ran longer than" in caught.value.message


def test_a_site_over_its_size_limit_is_refused(builder: Builder) -> None:
    with pytest.raises(DocsBuildError) as caught:
        _build(
            _limited(builder, max_site_bytes=2_000),
            {"index.md": INDEX + "word " * 2_000, "guide.md": GUIDE},
        )
    assert "max_site_bytes" in caught.value.message or "killed" in caught.value.message


def test_a_failing_build_keeps_its_log(builder: Builder) -> None:
    mkdocs = MKDOCS + b"strict: true\n"
    with pytest.raises(DocsBuildError) as caught:
        _build(builder, {"index.md": "# Hi\n\n[broken](missing.md)\n", "guide.md": GUIDE}, mkdocs)
    log = caught.value.context["log"]
    assert isinstance(log, str) and "missing.md" in log
    assert "strict mode" in caught.value.message


def test_the_build_sees_no_goldpath_secrets(
    builder: Builder, monkeypatch: pytest.MonkeyPatch, sandbox_pool: SandboxPool
) -> None:
    monkeypatch.setenv("GOLDPATH_AUTH__SESSION_SECRET", "s3cr3t-value-for-the-test")
    sandbox_pool.close()  # the next build starts a sandbox from this environment
    site = _build(builder, {"index.md": "# Env\n", "guide.md": GUIDE})
    assert all(b"s3cr3t-value" not in data for data in site.files.values())
    assert "s3cr3t-value" not in site.log
