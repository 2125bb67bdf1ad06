"""The shared field checks of partnerhub.core.validation."""

from __future__ import annotations

import pytest

from partnerhub.core.validation import check_email, check_name


def _name(value: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    check_name(errors, "org.name", value, missing="missing", too_long="too long")
    return errors


def test_a_name_is_required_and_at_most_200_characters():
    assert _name("") == {"org.name": ["missing"]}
    assert _name("x" * 201) == {"org.name": ["too long"]}
    assert _name("x" * 200) == {}
    assert _name("Acme") == {}


def test_a_name_limit_can_be_given():
    errors: dict[str, list[str]] = {}
    check_name(errors, "name", "abcd", missing="m", too_long="t", limit=3)
    assert errors == {"name": ["t"]}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", {"email": ["missing"]}),
        ("not-an-address", {"email": ["Enter a valid e-mail address."]}),
        ("ana@example.com", {}),
    ],
)
def test_an_email_is_required_and_valid(value, expected):
    errors: dict[str, list[str]] = {}
    check_email(errors, "email", value, missing="missing")
    assert errors == expected


def test_without_a_missing_message_an_empty_email_is_simply_invalid():
    errors: dict[str, list[str]] = {}
    check_email(errors, "email", "")
    assert errors == {"email": ["Enter a valid e-mail address."]}


def test_the_checks_leave_other_fields_alone():
    errors: dict[str, list[str]] = {"other": ["kept"]}
    check_name(errors, "name", "ok", missing="m", too_long="t")
    check_email(errors, "email", "ana@example.com", missing="m")
    assert errors == {"other": ["kept"]}
