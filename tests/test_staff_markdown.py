import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tasks.staff_markdown import (
    PLACEHOLDERS,
    MarkdownError,
    PlaceholderError,
    filled,
    filled_body,
)

VALUES = {"contact": {"name": "Awa *Ndiaye* <b>"}, "partner": {"short_name": "ASEF"}}


def test_a_value_is_escaped_data_not_markdown_or_html() -> None:
    html, text = filled_body("Dear {{ contact.name }},\n\n**News**", VALUES)
    assert "<p>Dear Awa *Ndiaye* &lt;b&gt;,</p>" in html
    assert "<strong>News</strong>" in html
    assert text.startswith("Dear Awa *Ndiaye* <b>,")


def test_a_placeholder_inside_a_link_is_filled() -> None:
    html, text = filled_body("[site](https://example.org/{{ partner.short_name }})", VALUES)
    assert 'href="https://example.org/ASEF"' in html
    assert text == "site (https://example.org/ASEF)"


def test_raw_html_and_unsafe_links_are_dropped() -> None:
    html, _ = filled_body("<script>x</script> [a](javascript:alert(1))", VALUES)
    assert "<script>" not in html and "javascript:" not in html


def test_an_unknown_placeholder_names_itself() -> None:
    with pytest.raises(PlaceholderError, match="nickname"):
        filled_body("Hi {{ contact.nickname }}", VALUES)


def test_a_malformed_placeholder_is_a_placeholder_error() -> None:
    with pytest.raises(PlaceholderError):
        filled_body("Hi {{ contact.name ", VALUES)
    with pytest.raises(PlaceholderError):
        filled("Hi {% if %}", VALUES)


def test_the_sandbox_refuses_unsafe_attributes() -> None:
    with pytest.raises(PlaceholderError):
        filled_body("{{ contact.__class__.__mro__ }}", VALUES)


@pytest.mark.parametrize(
    "text",
    [
        '{{ "<script>x</script>" | safe }}',
        "{% autoescape false %}{{ contact.name }}{% endautoescape %}",
        "{{ contact.name | safe }}",
        "{# hidden #}",
    ],
)
def test_only_plain_placeholders_are_allowed(text: str) -> None:
    with pytest.raises(PlaceholderError, match="only placeholders"):
        filled_body(text, VALUES)
    with pytest.raises(PlaceholderError, match="only placeholders"):
        filled(text, VALUES)


def test_text_that_looks_like_the_set_aside_marker_is_kept_as_text() -> None:
    html, text = filled_body("zqplaceholder9zq and {{ partner.short_name }}", VALUES)
    assert "zqplaceholder9zq and ASEF" in html and text == "zqplaceholder9zq and ASEF"


ALL_VALUES = {
    "contact": {"name": "Awa"},
    "partner": {"name": "Association", "short_name": "ASEF"},
    "partnership": {"title": "Écoles", "reference": "SEN/1", "start_date": "2021-09-01"},
}


@pytest.mark.parametrize(
    "placeholder",
    ["self", "lipsum", "range", "contact.items", "partner.keys", "partnership.start_date"],
)
def test_only_the_documented_placeholders_exist(placeholder: str) -> None:
    text = f"Hi {{{{ {placeholder} }}}}"
    for render in (filled, filled_body):
        with pytest.raises(PlaceholderError) as raised:
            render(text, ALL_VALUES)
        message = str(raised.value)
        assert f"unknown placeholder {{{{ {placeholder} }}}}" in message and "\n" not in message
        assert all(f"{{{{ {name} }}}}" in message for name in PLACEHOLDERS)
    documented = " ".join(f"{{{{ {name} }}}}" for name in PLACEHOLDERS)
    assert filled(documented, ALL_VALUES) == "Awa Association ASEF Écoles SEN/1"


def test_a_french_closing_is_two_lines_in_html_and_text() -> None:
    html, text = filled_body("Merci {{ contact.name }}.\n\nCordialement,\nL'équipe", VALUES)
    assert html.endswith("<p>Cordialement,<br>\nL'équipe</p>\n")
    assert text.endswith("\n\nCordialement,\nL'équipe")


def test_the_text_part_carries_no_markdown_syntax() -> None:
    source = (
        "# Nouvelles de {{ partner.short_name }}\n\n"
        "**Bonjour** {{ contact.name }}, voir"
        " [le site](https://example.org/{{ partner.short_name }}) et `le code`.\n\n"
        "- un\n  - deux\n\n> cité\n"
    )
    html, text = filled_body(source, VALUES)
    assert text == (
        "Nouvelles de ASEF\n\n"
        "Bonjour Awa *Ndiaye* <b>, voir le site (https://example.org/ASEF) et le code.\n\n"
        "• un\n  • deux\n\n    cité"
    )
    assert "<h1>Nouvelles de ASEF</h1>" in html and "<blockquote>" in html
    assert "<li>deux</li>" in html and '<a href="https://example.org/ASEF">le site</a>' in html


def test_an_unsafe_link_keeps_its_label_in_both_parts() -> None:
    html, text = filled_body(
        "[cliquez](javascript:alert(1)) ou [ici]({{ partner.short_name }})", VALUES
    )
    assert html == "<p>cliquez ou ici</p>\n" and text == "cliquez ou ici"


def test_an_image_shows_only_from_the_web() -> None:
    html, text = filled_body(
        "![logo](https://x.org/l.png) ![pixel](data:image/png;base64,AA)", VALUES
    )
    assert html == '<p><img src="https://x.org/l.png" alt="logo"> pixel</p>\n'
    assert text == "logo (https://x.org/l.png) pixel"


@pytest.mark.parametrize(
    ("source", "jinja"),
    [
        (r"\{\{ range(3)|list \}\}", "{{ range(3)|list }}"),
        ("&#123;&#123; range(3)|list &#125;&#125;", "{{ range(3)|list }}"),
        (r"\{\% for x in range(3) \%\}x\{\% endfor \%\}", "{% for x in range(3) %}x{% endfor %}"),
        ("{`{ lipsum() }`}", "{{ lipsum() }}"),
    ],
)
def test_jinja_reached_through_escapes_stays_text(source: str, jinja: str) -> None:
    html, text = filled_body(source, VALUES)
    assert text == jinja and jinja in html.replace("<code>", "").replace("</code>", "")
    assert "[0, 1, 2]" not in html + text and "xxx" not in html + text


def test_control_characters_are_dropped() -> None:
    html, text = filled_body("a\x00b\x1bc\x7fd\x85e\tf\r\ng\rh\x0ci", VALUES)
    assert html == "<p>abcde\tf<br>\ng<br>\nhi</p>\n" and text == "abcde\tf\ng\nhi"


def test_lists_nested_beyond_the_parser_are_refused_not_cut() -> None:
    def nested(depth: int) -> str:
        return "".join(f"{'  ' * level}- {level}\n" for level in range(depth)) + "\nFin"

    _, text = filled_body(nested(19), VALUES)
    assert text.startswith("• 0\n  • 1") and "18" in text and text.endswith("\n\nFin")
    for hostile in (nested(20), ">" * 20_000 + " x\n\nFin", "- " * 10_000 + "x"):
        with pytest.raises(MarkdownError, match="nest too deep"):
            filled_body(hostile, VALUES)


def test_an_enormous_text_renders_whole() -> None:
    source = "Mot *gras* [lien](https://x.org) `c`\n" * 5_000
    html, text = filled_body(source, VALUES)
    assert text.count("lien (https://x.org)") == html.count("<a href") == 5_000


HOSTILE = st.lists(
    st.sampled_from(
        [
            *"ab <>[]()*_`#!:\\\n&;/-=|",
            "javascript:",
            "https://x.org",
            "mailto:",
            "{{ contact.name }}",
            "<script>",
            "&#123;",
            "&lt;",
            "    ",
        ]
    ),
    max_size=60,
).map("".join)
TAG = re.compile(r"<(/?)([a-z0-9]+)([^>]*)>")
ALLOWED_TAGS = {"p", "br", "strong", "em", "code", "pre", "a", "img", "ul", "ol", "li"}
ALLOWED_TAGS |= {"blockquote", "hr", "h1", "h2", "h3", "h4", "h5", "h6"}


@settings(max_examples=300, deadline=None)
@given(HOSTILE)
def test_hostile_markdown_gives_only_safe_html(source: str) -> None:
    html, _ = filled_body(source, VALUES)
    assert {tag for _, tag, _ in TAG.findall(html)} <= ALLOWED_TAGS
    for _, _, attributes in TAG.findall(html):
        for url in re.findall(r'(?:href|src)="([^"]*)"', attributes):
            assert re.match(r"(https?:|mailto:)", url)
    assert "<script" not in html and "<b>" not in html.replace("&lt;b&gt;", "")
