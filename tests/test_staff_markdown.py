import pytest

from tasks.staff_markdown import PLACEHOLDERS, PlaceholderError, filled, filled_body

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
