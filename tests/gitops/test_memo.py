"""What GitOps validation remembers between trees, and that it stays linear in the fleet."""

from __future__ import annotations

import copy
import threading
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from goldpath.gitops import _policies as policies
from goldpath.gitops import _validate as validation
from goldpath.gitops import _yaml as yaml_io
from goldpath.gitops import render_platform_repo, validate_tree
from goldpath.memo import Memo
from tests.gitops.helpers import spec

REPO_URL = "https://gitlab.example.com/gitops/platform.git"


@settings(max_examples=200)
@given(size=st.integers(1, 5), keys=st.lists(st.integers(0, 9), max_size=40))
def test_a_memo_keeps_the_most_recent_keys_within_its_size(size: int, keys: list[int]) -> None:
    memo: Memo[int, int] = Memo(size)
    computed: list[int] = []
    recent: list[int] = []  # the model: most recently used last
    for key in keys:
        before = len(computed)
        value = memo.get(key, lambda key=key: computed.append(key) or key * 10)  # type: ignore[misc]
        assert value == key * 10
        # computed exactly when the model has forgotten the key (or never saw it)
        assert (len(computed) > before) == (key not in recent)
        if key in recent:
            recent.remove(key)
        recent.append(key)
        recent = recent[-size:]
        assert len(memo) == len(recent) <= size
    # every key the model holds is answered without computing again
    before = len(computed)
    for key in recent:
        memo.get(key, lambda: pytest.fail("a remembered key was computed again"))
    assert len(computed) == before


def test_a_memo_refuses_a_size_below_one() -> None:
    with pytest.raises(ValueError, match="at least one"):
        Memo(0)


def test_a_memo_answers_threads_at_once() -> None:
    memo: Memo[int, int] = Memo(16)
    errors: list[BaseException] = []

    def work(offset: int) -> None:
        try:
            for i in range(2000):
                key = (i + offset) % 32
                assert memo.get(key, lambda key=key: key + 1) == key + 1  # type: ignore[misc]
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(memo) <= 16


def _platform_files(apps: int) -> dict[Any, str]:
    entries = [spec(name=f"app-{i}", environments=("dev", "staging", "prod")) for i in range(apps)]
    return dict(render_platform_repo(spec().platform, repo_url=REPO_URL, apps=entries))


def test_a_text_validated_again_is_not_parsed_again(monkeypatch: pytest.MonkeyPatch) -> None:
    files = _platform_files(3)
    yaml_io._parsed.clear()
    calls: list[str] = []
    real = yaml_io.load_yaml_all
    monkeypatch.setattr(yaml_io, "load_yaml_all", lambda text: calls.append(text) or real(text))
    first = validate_tree(files, tools=False)
    parsed_once = len(calls)
    second = validate_tree(files, tools=False)
    assert first.ok and second.ok
    assert len(calls) == parsed_once > 0
    assert [str(f) for f in first.findings] == [str(f) for f in second.findings]


def test_validation_never_changes_a_remembered_document() -> None:
    # Remembered documents are shared between trees: the checks must only read them.
    files = _platform_files(2)
    yaml_io._parsed.clear()
    validate_tree(files, tools=True)
    remembered = {text: copy.deepcopy(yaml_io._parsed.get(text, lambda: ()))
                  for text in files.values()}
    validate_tree(files, tools=True)
    for text, docs in remembered.items():
        assert yaml_io._parsed.get(text, lambda: ()) == docs
        assert yaml_io._parse(text) == docs


def test_a_tree_just_rendered_is_validated_without_parsing_it_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Dumping remembers what each text loads as; the validation right after reads that.
    yaml_io._parsed.clear()
    files = _platform_files(2)
    calls: list[str] = []
    monkeypatch.setattr(yaml_io, "load_yaml_all", lambda text: calls.append(text) or [])
    assert validate_tree(files, tools=False).ok
    assert calls == []


manifests = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3)
    | st.tuples(children, children)
    | st.dictionaries(st.text(max_size=8) | st.integers() | st.booleans() | st.none(), children,
                      max_size=3),
    max_leaves=20,
)


@settings(max_examples=300)
@given(st.lists(st.dictionaries(st.text(max_size=8), manifests, max_size=4), max_size=3))
def test_what_a_dump_remembers_is_what_parsing_its_text_gives(
    documents: list[dict[str, Any]],
) -> None:
    # The same values, types, and key order as the loader's: repr tells 1 from True and
    # 1.0, and a mapping's order.
    yaml_io._parsed.clear()
    text = yaml_io.dump_yaml_all(documents)
    remembered = yaml_io.parsed_yaml(text)
    assert repr(remembered) == repr(yaml_io._parse(text))
    if documents:
        single = yaml_io.dump_yaml(documents[0])
        assert repr(yaml_io.parsed_yaml(single)) == repr(yaml_io._parse(single))


def test_what_a_dump_remembers_does_not_follow_the_callers_later_changes() -> None:
    yaml_io._parsed.clear()
    document: dict[str, Any] = {"kind": "ConfigMap", "data": {"a": "1"}}
    text = yaml_io.dump_yaml(document)
    document["data"]["a"] = "changed"
    assert yaml_io.parsed_yaml(text) == ({"kind": "ConfigMap", "data": {"a": "1"}},)


def test_a_broken_text_is_remembered_as_broken() -> None:
    files = {"deploy.yaml": "a: [unclosed\n"}
    for _ in range(2):
        report = validate_tree(files, tools=False)
        assert [f.rule for f in report.failures] == ["parse"]


def test_the_platform_repos_policies_look_at_each_app_project_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Whether a tree is the platform's is worked out once per tree, not once per document
    # a policy asks about: asked afresh, the platform repo's validation grew with the
    # square of its apps.
    files = _platform_files(30)
    calls: list[str] = []
    real = policies._is_platform_project
    monkeypatch.setattr(policies, "_is_platform_project",
                        lambda doc: calls.append(doc.name) or real(doc))
    assert validate_tree(files, tools=False).ok
    projects = sum(text.count("kind: AppProject") for text in files.values())
    # each of the three policies about projects looks at each project once
    assert 0 < len(calls) <= 3 * projects


def test_a_memo_returns_what_keep_refuses_without_remembering_it() -> None:
    memo: Memo[str, bytes] = Memo(4)
    assert memo.get("big", lambda: b"x" * 10, keep=lambda v: len(v) < 5) == b"x" * 10
    assert memo.get("small", lambda: b"x", keep=lambda v: len(v) < 5) == b"x"
    assert len(memo) == 1
    memo.get("small", lambda: pytest.fail("a kept value was computed again"))


def test_a_document_validated_again_is_not_checked_against_its_schema_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A platform repo's unchanged documents are the very objects the last enrolment
    # validated: their verdicts are remembered by identity, with no serialisation.
    files = _platform_files(3)
    yaml_io._parsed.clear()
    validation._verdicts.clear()
    calls: list[str] = []
    real = validation._schema_verdict

    def counted(body: dict[str, Any], version: str) -> Any:
        calls.append(str(body.get("kind")))
        return real(body, version)

    monkeypatch.setattr(validation, "_schema_verdict", counted)
    first = validate_tree(files, tools=False)
    checked_once = len(calls)
    second = validate_tree(files, tools=False)
    assert len(calls) == checked_once > 0
    assert first.ok and second.ok and first.objects == second.objects
    # another Kubernetes version is another verdict
    validate_tree(files, tools=False, kubernetes_version="1.31")
    assert len(calls) > checked_once


def test_a_remembered_verdict_still_reports_a_broken_document() -> None:
    bad = (
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n  namespace: n\n"
        "spec:\n  ports: not-a-list\n"
    )
    for _ in range(2):
        report = validate_tree({"svc.yaml": bad}, tools=False)
        assert any(f.check == "kubernetes" and "ports" in f.message for f in report.failures)


@settings(max_examples=200)
@given(budget=st.integers(1, 30),
       items=st.lists(st.tuples(st.integers(0, 9), st.integers(0, 12)), max_size=40))
def test_a_weighed_memo_stays_within_its_budget(budget: int, items: list[tuple[int, int]]) -> None:
    memo: Memo[int, bytes] = Memo(5, weight=len, budget=budget)
    for key, size in items:
        value = memo.get(key, lambda size=size: b"x" * size)  # type: ignore[misc]
        assert memo.weight <= budget and len(memo) <= 5
        held = dict(memo._values)
        assert memo.weight == sum(len(v) for v in held.values())
        if len(value) <= budget:
            assert key in held  # the value just used is the last to go
    memo.clear()
    assert memo.weight == 0 and len(memo) == 0


def test_a_memo_wants_weight_and_budget_together() -> None:
    with pytest.raises(ValueError, match="go together"):
        Memo(3, budget=10)
