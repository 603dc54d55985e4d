"""The parameter form: JSON Schema pages -> fields -> HTML, and submitted form data -> values."""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from goldpath.errors import FieldError
from goldpath.web.pages._scaffolder_form import (
    ENTITY_NAME_PATTERN,
    Form,
    FormField,
    build_form,
    errors_by_pointer,
    html_pattern,
    join_repo_url,
    parse_form,
    split_repo_url,
)

Render = Callable[..., str]
Read = Callable[[str], dict[str, list[str]]]


def field_of(form: Form, pointer: str) -> FormField:
    return next(f for f in form.fields() if f.pointer == pointer)


def roundtrip(params: Any, render: Render, read: Read, **kwargs: Any) -> dict[str, Any]:
    parsed = parse_form(params, read(render(build_form(params, **kwargs))))
    assert parsed.errors == []
    return parsed.values


# --- pages ------------------------------------------------------------------------------


def test_a_single_page_mapping_is_one_page_titled_step_1() -> None:
    form = build_form({"properties": {"a": {"type": "string"}}})
    assert [(p.index, p.title) for p in form.pages] == [(0, "Step 1")]


def test_a_list_of_pages_keeps_titles_descriptions_and_order() -> None:
    form = build_form(
        [
            {"title": "One", "description": "first", "properties": {"a": {"type": "string"}}},
            {"title": "Two", "properties": {"b": {"type": "string"}}},
        ]
    )
    assert [(p.title, p.description) for p in form.pages] == [("One", "first"), ("Two", "")]
    assert [f.pointer for f in form.fields()] == ["/a", "/b"]


def test_stepper_lists_every_page_and_a_review_step(render_form: Render) -> None:
    html = render_form(build_form([{"title": "One"}, {"title": "Two"}]))
    assert re.findall(r'data-gp-step-tab="(\d)"', html) == ["0", "1", "2"]
    assert "Review" in html
    assert "This step asks for nothing." in html


# --- field kinds and hints -----------------------------------------------------------------


def test_required_fields_get_the_html_required_attribute_and_a_marker(render_form: Render) -> None:
    params = {"required": ["name"], "properties": {"name": {"type": "string"}, "x": {}}}
    form = build_form(params)
    assert field_of(form, "/name").required and not field_of(form, "/x").required
    html = render_form(form)
    assert re.search(r'name="/name"[^>]* required', html)
    assert not re.search(r'name="/x"[^>]* required', html)
    assert 'class="gp-required"' in html


def test_missing_type_means_string_and_title_becomes_the_label(render_form: Render) -> None:
    form = build_form({"properties": {"a": {"title": "The A"}}})
    assert field_of(form, "/a").kind == "text"
    assert ">The A<" in render_form(form)


def test_string_hints_become_html_attributes(render_form: Render) -> None:
    params = {
        "properties": {
            "a": {"type": "string", "minLength": 2, "maxLength": 9, "pattern": "^[a-z]+$"},
        }
    }
    html = render_form(build_form(params))
    tag = re.search(r'<input[^>]*name="/a"[^>]*>', html)
    assert tag is not None
    for attr in ('minlength="2"', 'maxlength="9"', 'pattern="^[a-z]+$"'):
        assert attr in tag.group(0)


def test_unanchored_patterns_are_wrapped_so_html_searches_like_json_schema() -> None:
    assert html_pattern("^abc$") == "^abc$"
    wrapped = html_pattern("ab")
    assert re.fullmatch(wrapped, "xxabyy") and not re.fullmatch(wrapped, "xy")
    assert re.fullmatch(html_pattern("^ab"), "abz") and not re.fullmatch(html_pattern("^ab"), "zab")


def test_integer_and_number_hints(render_form: Render) -> None:
    params = {
        "properties": {
            "i": {"type": "integer", "minimum": 1, "maximum": 10},
            "j": {"type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": 5},
            "n": {"type": "number", "multipleOf": 0.5},
            "m": {"type": "number"},
        }
    }
    form = build_form(params)
    assert field_of(form, "/i").attrs == {"min": "1", "max": "10", "step": "1"}
    assert field_of(form, "/j").attrs == {"min": "1", "max": "4", "step": "1"}
    assert field_of(form, "/n").attrs == {"step": "0.5"}
    assert field_of(form, "/m").attrs == {"step": "any"}
    assert 'type="number"' in render_form(form)


def test_defaults_prefill_and_submitted_values_replace_them(render_form: Render) -> None:
    params = {"properties": {"a": {"type": "string", "default": "dflt"}}}
    assert 'value="dflt"' in render_form(build_form(params))
    html = render_form(build_form(params, values={"a": "mine"}))
    assert 'value="mine"' in html and "dflt" not in html


def test_descriptions_and_ui_help_are_shown_and_escaped(render_form: Render) -> None:
    params = {
        "properties": {
            "a": {"type": "string", "description": "<b>bold</b> claim", "ui:help": "ask ops"}
        }
    }
    html = render_form(build_form(params))
    assert "&lt;b&gt;bold&lt;/b&gt; claim" in html and "<b>bold" not in html
    assert "ask ops" in html


def test_ui_schema_keys_may_sit_beside_the_property_in_a_ui_mapping() -> None:
    params = {
        "properties": {"a": {"type": "string"}},
        "a": {"ui:widget": "textarea", "ui:options": {"rows": 7}, "ui:help": "h"},
    }
    f = field_of(build_form(params), "/a")
    assert (f.kind, f.rows, f.help) == ("textarea", 7, "h")


def test_enum_is_a_select_with_enum_names_as_labels(render_form: Render) -> None:
    params = {
        "properties": {
            "lang": {"type": "string", "enum": ["js", "py"], "enumNames": ["JS", "Python"]}
        }
    }
    form = build_form(params)
    assert field_of(form, "/lang").kind == "select"
    html = render_form(form)
    assert '<option value="js">JS</option>' in html
    assert '<option value="py">Python</option>' in html


def test_titled_one_of_is_an_enum() -> None:
    params = {
        "properties": {"size": {"type": "string", "oneOf": [{"const": "s", "title": "Small"}]}}
    }
    f = field_of(build_form(params), "/size")
    assert (f.kind, [(c.value, c.label) for c in f.choices]) == ("select", [("s", "Small")])


def test_radio_widget_renders_one_radio_per_choice(render_form: Render) -> None:
    params = {"properties": {"c": {"type": "string", "enum": ["a", "b"], "ui:widget": "radio"}}}
    html = render_form(build_form(params))
    assert len(re.findall(r'type="radio" name="/c"', html)) == 2


def test_integer_enum_keeps_its_type(render_form: Render, submitted: Read) -> None:
    params = {"properties": {"n": {"type": "integer", "enum": [1, 2, 3], "default": 2}}}
    assert roundtrip(params, render_form, submitted) == {"n": 2}


def test_boolean_is_a_checkbox_and_unchecked_means_false(render_form: Render) -> None:
    params = {"properties": {"b": {"type": "boolean", "default": True}}}
    html = render_form(build_form(params))
    assert re.search(r'type="checkbox"[^>]*name="/b"[^>]*checked', html)
    assert parse_form(params, {}).values == {"b": False}
    assert parse_form(params, {"/b": ["true"]}).values == {"b": True}


def test_array_of_strings_is_a_list_of_inputs_plus_an_empty_one(render_form: Render) -> None:
    params = {"properties": {"t": {"type": "array", "items": {"type": "string"}, "default": ["a"]}}}
    html = render_form(build_form(params))
    assert re.findall(r'name="/t" value="([^"]*)"', html) == ["a", ""]
    assert parse_form(params, {"/t": ["x", "", "y"]}).values == {"t": ["x", "y"]}
    assert parse_form(params, {"/t": [""]}).values == {}


def test_array_of_enum_items_is_checkboxes(render_form: Render, submitted: Read) -> None:
    params = {
        "properties": {"c": {"type": "array", "items": {"enum": ["x", "y", "z"]}, "default": ["y"]}}
    }
    form = build_form(params)
    assert field_of(form, "/c").kind == "checkboxes"
    assert roundtrip(params, render_form, submitted) == {"c": ["y"]}


def test_password_and_textarea_widgets(render_form: Render) -> None:
    params = {
        "properties": {
            "p": {"type": "string", "ui:widget": "password"},
            "t": {"type": "string", "ui:widget": "textarea"},
        }
    }
    html = render_form(build_form(params))
    assert re.search(r'<input type="password"[^>]*name="/p"', html)
    assert re.search(r'<textarea[^>]*name="/t"', html)


def test_autofocus_placeholder_and_readonly(render_form: Render) -> None:
    params = {
        "properties": {
            "a": {"type": "string", "ui:autofocus": True, "ui:placeholder": "e.g. x"},
            "b": {"type": "string", "ui:readonly": True},
        }
    }
    html = render_form(build_form(params))
    assert re.search(r'name="/a"[^>]* placeholder="e.g. x"', html)
    assert re.search(r'name="/a"[^>]* autofocus', html)
    assert re.search(r'name="/b"[^>]* readonly', html)


def test_ui_order_with_a_wildcard() -> None:
    params = {
        "properties": {k: {"type": "string"} for k in "abcd"},
        "ui:order": ["c", "*", "a"],
    }
    assert [f.key for f in build_form(params).fields()] == ["c", "b", "d", "a"]


def test_hidden_widget_keeps_its_default(render_form: Render, submitted: Read) -> None:
    params = {"properties": {"h": {"type": "string", "default": "v", "ui:widget": "hidden"}}}
    assert 'type="hidden"' in render_form(build_form(params))
    assert roundtrip(params, render_form, submitted) == {"h": "v"}


def test_nested_objects_are_fieldsets_with_nested_values(
    render_form: Render, submitted: Read
) -> None:
    params = {
        "properties": {
            "app": {
                "type": "object",
                "title": "Application",
                "required": ["port"],
                "properties": {"port": {"type": "integer", "default": 80}},
            }
        }
    }
    form = build_form(params)
    port = field_of(form, "/app/port")
    assert port.required
    assert "<legend" in render_form(form)
    assert roundtrip(params, render_form, submitted) == {"app": {"port": 80}}


def test_unsupported_shapes_fall_back_to_a_json_field(render_form: Render, submitted: Read) -> None:
    params = {
        "properties": {
            "objs": {"type": "array", "items": {"type": "object"}, "default": [{"a": 1}]}
        }
    }
    assert field_of(build_form(params), "/objs").kind == "json"
    assert roundtrip(params, render_form, submitted) == {"objs": [{"a": 1}]}
    bad = parse_form(params, {"/objs": ["[1,"]})
    assert [(e.field, e.rule) for e in bad.errors] == [("/objs", "json")]


def test_a_number_that_is_not_one_is_reported_against_its_field() -> None:
    params = {"properties": {"n": {"type": "integer"}}}
    parsed = parse_form(params, {"/n": ["4.5"]})
    assert parsed.values == {"n": "4.5"}
    assert [(e.field, e.rule) for e in parsed.errors] == [("/n", "type")]


def test_empty_inputs_are_left_out_of_the_values() -> None:
    params = {"properties": {"a": {"type": "string"}, "n": {"type": "number"}}}
    assert parse_form(params, {"/a": [""], "/n": [""]}).values == {}


# --- pickers ---------------------------------------------------------------------------------


def test_owner_picker_offers_groups_and_users_from_the_catalog(render_form: Render) -> None:
    params = {"properties": {"owner": {"type": "string", "ui:field": "OwnerPicker"}}}
    form = build_form(params)
    picker = field_of(form, "/owner").picker
    assert picker is not None
    assert picker.kinds == ("Group", "User")
    assert picker.filters == ("kind=Group", "kind=User")
    html = render_form(form, {"/owner": [{"value": "group:default/team-a", "label": "Team A"}]})
    assert 'list="f_2f_owner-options"' in html
    assert '<option value="group:default/team-a">Team A</option>' in html


def test_catalog_filter_expands_lists_into_or_ed_filters() -> None:
    params = {
        "properties": {
            "owner": {
                "type": "string",
                "ui:field": "OwnerPicker",
                "ui:options": {
                    "catalogFilter": [{"kind": ["Group"], "spec.type": ["team", "org"]}]
                },
            }
        }
    }
    picker = field_of(build_form(params), "/owner").picker
    assert picker is not None
    assert picker.filters == ("kind=Group,spec.type=team", "kind=Group,spec.type=org")


def test_entity_picker_honours_allowed_kinds_and_ref_defaults(render_form: Render) -> None:
    params = {
        "properties": {
            "system": {
                "type": "string",
                "ui:field": "EntityPicker",
                "ui:options": {"allowedKinds": ["System"], "defaultKind": "System"},
            }
        }
    }
    form = build_form(params)
    picker = field_of(form, "/system").picker
    assert picker is not None
    assert (picker.kinds, picker.filters, picker.default_kind) == (
        ("System",),
        ("kind=System",),
        "System",
    )
    assert "data-gp-picker='{" in render_form(form)


def test_entity_name_picker_checks_backstage_name_rules(render_form: Render) -> None:
    params = {"properties": {"name": {"type": "string", "ui:field": "EntityNamePicker"}}}
    form = build_form(params)
    f = field_of(form, "/name")
    assert f.kind == "entity_name"
    assert f.attrs["pattern"] == ENTITY_NAME_PATTERN and f.attrs["maxlength"] == "63"
    assert re.fullmatch(ENTITY_NAME_PATTERN, "my-service.v2")
    assert not re.fullmatch(ENTITY_NAME_PATTERN, "-bad")


def test_repo_url_picker_splits_into_host_owner_repo(render_form: Render, submitted: Read) -> None:
    params = {
        "properties": {
            "repoUrl": {
                "type": "string",
                "ui:field": "RepoUrlPicker",
                "default": "github.com?owner=acme&repo=svc",
                "ui:options": {"allowedHosts": ["github.com", "gitlab.example.com"]},
            }
        }
    }
    form = build_form(params)
    html = render_form(form)
    assert re.search(r'<select[^>]*name="/repoUrl~host"', html)
    assert 'name="/repoUrl~owner" value="acme"' in html
    assert roundtrip(params, render_form, submitted) == {
        "repoUrl": "github.com?owner=acme&repo=svc"
    }


def test_repo_url_picker_defaults_to_the_platforms_hosts() -> None:
    params = {"properties": {"repoUrl": {"type": "string", "ui:field": "RepoUrlPicker"}}}
    repo = field_of(build_form(params, repo_hosts=["git.local"]), "/repoUrl").repo
    assert repo is not None and (repo.host, repo.allowed_hosts) == ("git.local", ("git.local",))


def test_a_half_filled_repo_url_is_reported() -> None:
    params = {"properties": {"repoUrl": {"type": "string", "ui:field": "RepoUrlPicker"}}}
    parsed = parse_form(params, {"/repoUrl~host": ["h"], "/repoUrl~owner": ["o"]})
    assert [(e.field, e.rule) for e in parsed.errors] == [("/repoUrl", "required")]
    assert "repo" in parsed.errors[0].message
    assert parse_form(params, {"/repoUrl~host": ["h"]}).values == {}


@given(st.text(), st.text(), st.text())
def test_repo_url_parts_survive_joining_and_splitting(host: str, owner: str, repo: str) -> None:
    host = host.replace("?", "")
    assert split_repo_url(join_repo_url(host, owner, repo)) == (host, owner, repo)


# --- server-side validation messages ------------------------------------------------------------


def test_errors_land_next_to_the_field_they_name(render_form: Render) -> None:
    params = [
        {"properties": {"a": {"type": "string"}}},
        {"properties": {"app": {"type": "object", "properties": {"port": {"type": "integer"}}}}},
    ]
    form = build_form(
        params,
        errors=[
            FieldError(field="a", rule="minLength", message="too short"),
            {"field": "app.port", "rule": "maximum", "message": "too big"},
        ],
    )
    assert field_of(form, "/a").errors == ("too short",)
    assert field_of(form, "/app/port").errors == ("too big",)
    assert form.first_error_page == 0 and form.pages[1].has_errors
    html = render_form(form)
    assert re.search(r'data-gp-errors-for="/app/port"[^>]*><li>too big</li>', html)
    assert re.search(r'name="/app/port"[^>]*aria-invalid="true"', html)


def test_error_field_names_in_every_common_shape() -> None:
    grouped = errors_by_pointer(
        [
            {"field": "/a~1b", "message": "m1"},
            {"field": "parameters.c", "message": "m2"},
            {"field": "values.d[0]", "message": "m3"},
            {"field": "", "rule": "required", "message": "'e' is a required property"},
            {"field": "obj", "rule": "required", "message": "'f' is a required property"},
        ]
    )
    assert grouped == {
        "/a~1b": ["m1"],
        "/c": ["m2"],
        "/d/0": ["m3"],
        "/e": ["'e' is a required property"],
        "/obj/f": ["'f' is a required property"],
    }


def test_errors_below_a_field_go_to_it_and_unknown_ones_to_the_form() -> None:
    params = {"properties": {"tags": {"type": "array", "items": {"type": "string"}}}}
    form = build_form(
        params,
        errors=[
            {"field": "tags[1]", "message": "bad tag"},
            {"field": "nowhere", "message": "lost"},
        ],
    )
    assert field_of(form, "/tags").errors == ("bad tag",)
    assert form.errors == ("lost",)


# --- invariants ----------------------------------------------------------------------------------

_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=12)
_KEYS = st.text(min_size=1, max_size=6)


@st.composite
def _property(draw: st.DrawFn, depth: int = 0) -> tuple[dict[str, Any], Any]:
    """A property schema and a valid value for it (None: the user left it empty)."""
    choices = [
        "string",
        "textarea",
        "integer",
        "number",
        "boolean",
        "enum",
        "list",
        "checks",
        "repo",
    ]
    if depth < 2:
        choices.append("object")
    kind = draw(st.sampled_from(choices))
    maybe = st.none()
    if kind == "string":
        return {"type": "string"}, draw(maybe | _TEXT)
    if kind == "textarea":
        chars = st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\x00")
        text = st.text(alphabet=chars, min_size=1)
        return {"type": "string", "ui:widget": "textarea"}, draw(maybe | text)
    if kind == "integer":
        return {"type": "integer"}, draw(maybe | st.integers(-(10**12), 10**12))
    if kind == "number":
        return {"type": "number"}, draw(maybe | st.floats(allow_nan=False, allow_infinity=False))
    if kind == "boolean":
        return {"type": "boolean"}, draw(st.booleans())
    if kind == "enum":
        enum = draw(
            st.lists(st.one_of(_TEXT, st.integers()), min_size=1, max_size=4, unique_by=str)
        )
        enum = [e for e in enum if not isinstance(e, str) or not e.lstrip("-").isdigit()]
        if not enum:
            enum = ["only"]
        return {"enum": enum}, draw(maybe | st.sampled_from(enum))
    if kind == "list":
        return {"type": "array", "items": {"type": "string"}}, draw(
            maybe | st.lists(_TEXT, min_size=1, max_size=3)
        )
    if kind == "checks":
        enum = draw(st.lists(_TEXT, min_size=1, max_size=4, unique=True))
        chosen = [e for e in enum if draw(st.booleans())]
        return {"type": "array", "items": {"enum": enum}}, chosen
    if kind == "repo":
        part = st.text(alphabet="abcxyz-_.019", min_size=1, max_size=6)
        value = f"{draw(part)}?owner={draw(part)}&repo={draw(part)}"
        value = join_repo_url(*split_repo_url(value))
        return {"type": "string", "ui:field": "RepoUrlPicker"}, draw(maybe | st.just(value))
    props = draw(st.dictionaries(_KEYS, _property(depth + 1), min_size=1, max_size=3))
    schema = {"type": "object", "properties": {k: s for k, (s, _) in props.items()}}
    nested = {k: v for k, (_, v) in props.items() if v is not None}
    return schema, nested or None


@st.composite
def _template_parameters(draw: st.DrawFn) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    pages: list[dict[str, Any]] = []
    values: dict[str, Any] = {}
    used: set[str] = set()
    for _ in range(draw(st.integers(1, 3))):
        fresh = _KEYS.filter(lambda k, taken=frozenset(used): k not in taken)
        props = draw(st.dictionaries(fresh, _property(), max_size=4))
        used |= set(props)
        pages.append({"properties": {k: s for k, (s, _) in props.items()}})
        values.update({k: v for k, (_, v) in props.items() if v is not None})
    return pages, values


@given(_template_parameters())
def test_a_form_rendered_with_values_submits_exactly_those_values(
    render_form: Render, submitted: Read, case: tuple[list[dict[str, Any]], dict[str, Any]]
) -> None:
    params, values = case
    html = render_form(build_form(params, values=values))
    parsed = parse_form(params, submitted(html))
    assert parsed.errors == []
    assert parsed.values == values


@given(_template_parameters())
def test_every_field_has_a_unique_html_id_and_name(
    case: tuple[list[dict[str, Any]], dict[str, Any]],
) -> None:
    fields = list(build_form(case[0]).fields())
    ids = [f.dom_id for f in fields]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"[A-Za-z0-9_-]+", i) for i in ids)
    assert len({f.pointer for f in fields}) == len(fields)


@given(st.lists(_KEYS, min_size=1, max_size=4))
def test_an_error_named_by_pointer_reaches_the_field_at_that_pointer(path: list[str]) -> None:
    schema: dict[str, Any] = {"type": "string"}
    for key in reversed(path):
        schema = {"type": "object", "properties": {key: schema}}
    params = schema
    pointer = "".join("/" + k.replace("~", "~0").replace("/", "~1") for k in path)
    form = build_form(params, errors=[{"field": pointer, "message": "bad"}])
    assert field_of(form, pointer).errors == ("bad",)
    assert form.errors == ()


def test_patterns_are_made_safe_for_the_browsers_v_flag() -> None:
    assert html_pattern("^[-a-z0-9]+$") == r"^[\-a-z0-9]+$"
    assert html_pattern("^[a-z-]+$") == r"^[a-z\-]+$"
    assert html_pattern("^[^(/|)]$") == r"^[^\(\/\|\)]$"
    assert html_pattern(r"^[a\-z]{2}$") == r"^[a\-z]{2}$"
    assert html_pattern("^(a|b)$") == "^(a|b)$"


_CLASS_BODY = st.text(alphabet="-az09()/|{}.", min_size=1, max_size=6)


@given(
    st.lists(
        st.one_of(_CLASS_BODY.map(lambda b: f"[{b}]"), st.sampled_from(["a", "(z|0)", "."])),
        min_size=1,
        max_size=4,
    ),
    st.text(alphabet="-az09()/|{}.b", max_size=5),
)
def test_making_a_pattern_browser_safe_keeps_what_it_matches(parts: list[str], text: str) -> None:
    pattern = "^" + "".join(parts) + "$"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # "possible set union" of [[ or ||
        try:
            original = re.compile(pattern)
        except re.error:
            return
    assert bool(original.fullmatch(text)) == bool(re.fullmatch(html_pattern(pattern), text))
