"""Scenario intake: validate what the agent typed, field by field, and normalise it.

Pure: field definitions and raw values in, normalised values and per-field errors out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from sopdesk.playbooks.language.schema import FieldType, IntakeField, Scenario

# Symbols agents type instead of codes; anything else must be written as a code.
_SYMBOLS = {"$": "USD", "€": "EUR", "£": "GBP", "₹": "INR", "¥": "JPY", "₿": "BTC"}
_CODE = re.compile(r"^[A-Z][A-Z0-9]{2,5}$")
_NUMBER = r"[-+]?\d[\d,]*(?:\.\d+)?|[-+]?\.\d+"
_MONEY = re.compile(
    rf"^\s*(?:(?P<pre>[A-Za-z][A-Za-z0-9]{{2,5}}|[$€£₹¥₿])\s*(?P<a1>{_NUMBER})"
    rf"|(?P<a2>{_NUMBER})\s*(?P<post>[A-Za-z][A-Za-z0-9]{{2,5}}|[$€£₹¥₿])?)\s*$"
)


class FieldInvalid(ValueError):
    """A value that does not fit its field; the message says what was expected."""


@dataclass(frozen=True)
class IntakeResult:
    values: dict[str, Any]
    errors: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)  # field id -> the playbook's label

    @property
    def ok(self) -> bool:
        return not self.errors

    def labelled(self, field_id: str) -> str:
        """The field's error for a person, named by its label ("Phone number: ..."); the id
        stays for machines (the refusal's `fields`). A key the form does not know keeps its id."""
        message = self.errors[field_id]
        label = self.labels.get(field_id, field_id)
        return message if message.startswith(label) else f"{label}: {message}"


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str | list | dict) and not value)


def _text(f: IntakeField, value: Any, region: str) -> str:
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise FieldInvalid("expected text")
    text = str(value).strip()
    if f.pattern and not re.fullmatch(f.pattern, text):
        raise FieldInvalid(f.help or f"does not match the expected format {f.pattern}")
    return text


def _phone(f: IntakeField, value: Any, region: str) -> str:
    text = _text(f.model_copy(update={"pattern": None}), value, region)
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise FieldInvalid(f"'{text}' is not a phone number") from exc
    if not phonenumbers.is_valid_number(parsed):
        raise FieldInvalid(f"'{text}' is not a valid phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _email(f: IntakeField, value: Any, region: str) -> str:
    text = _text(f.model_copy(update={"pattern": None}), value, region)
    try:
        return str(validate_email(text, check_deliverability=False).normalized)
    except EmailNotValidError as exc:
        raise FieldInvalid(f"'{text}' is not a valid email address: {exc}") from exc


def _money_parts(value: Any) -> tuple[str, str | None]:
    if isinstance(value, Mapping):
        amount, currency = value.get("amount"), value.get("currency")
        return str(amount if amount is not None else ""), (str(currency) if currency else None)
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return str(value), None
    if not isinstance(value, str):
        raise FieldInvalid("expected an amount with its currency, e.g. '2500 USD'")
    match = _MONEY.match(value)
    if match is None:
        raise FieldInvalid(f"'{value}' is not an amount with a currency, e.g. '2500 USD'")
    amount = match.group("a1") or match.group("a2")
    return amount, match.group("pre") or match.group("post")


def _money(f: IntakeField, value: Any, region: str) -> dict[str, str]:
    amount_text, currency = _money_parts(value)
    try:
        amount = Decimal(amount_text.replace(",", ""))
    except InvalidOperation as exc:
        raise FieldInvalid(f"'{amount_text}' is not an amount") from exc
    if not amount.is_finite() or amount <= 0:
        raise FieldInvalid("the amount must be greater than zero")
    if not currency:
        raise FieldInvalid("the amount needs a currency, e.g. '2500 USD' or '0.5 BTC'")
    code = _SYMBOLS.get(currency, currency.upper())
    if not _CODE.match(code):
        raise FieldInvalid(f"'{currency}' is not a currency code such as USD, EUR or BTC")
    if f.currencies and code not in f.currencies:
        raise FieldInvalid(f"currency must be one of {', '.join(f.currencies)}")
    return {"amount": format(amount, "f"), "currency": code}


def _choice(f: IntakeField, value: Any, region: str) -> str:
    text = _text(f.model_copy(update={"pattern": None}), value, region)
    for option in f.options:
        if option.casefold() == text.casefold():
            return option
    raise FieldInvalid(f"must be one of: {', '.join(f.options)}")


def _list(f: IntakeField, value: Any, region: str) -> list[str]:
    items = re.split(r"[\n,;]", value) if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise FieldInvalid("expected a list of text items")
    cleaned = [i.strip() for i in items if i.strip()]
    if len(cleaned) < max(f.min_items, 1 if f.required else 0):
        raise FieldInvalid(f"needs at least {max(f.min_items, 1)} item(s)")
    return cleaned


def _date(f: IntakeField, value: Any, region: str) -> str:
    if isinstance(value, date):
        return value.isoformat()
    text = _text(f.model_copy(update={"pattern": None}), value, region)
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError as exc:
        raise FieldInvalid(f"'{text}' is not a date (YYYY-MM-DD)") from exc


_VALIDATORS = {
    FieldType.TEXT: _text,
    FieldType.IDENTIFIER: _text,
    FieldType.PHONE: _phone,
    FieldType.EMAIL: _email,
    FieldType.MONEY: _money,
    FieldType.CHOICE: _choice,
    FieldType.LIST: _list,
    FieldType.DATE: _date,
}


def validate_value(f: IntakeField, value: Any, region: str = "US") -> Any:
    """Normalised value of one field; raises FieldInvalid naming what was expected."""
    return _VALIDATORS[f.type](f, value, region)


def is_required(f: IntakeField, values: Mapping[str, Any]) -> bool:
    """A field is required when marked so and its `when` conditions hold."""
    if not f.required:
        return False
    return all(
        str(values.get(other, "")).casefold() == expected.casefold()
        for other, expected in f.when.items()
    )


def validate_fields(
    fields: list[IntakeField], raw: Mapping[str, Any], region: str = "US"
) -> IntakeResult:
    """Validate every field; unknown keys are reported, not dropped."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    known = {f.id for f in fields}
    for key in raw:
        if key not in known:
            errors[key] = f"unknown field; expected one of {', '.join(sorted(known))}"
    for f in fields:
        value = raw.get(f.id)
        if _blank(value):
            continue
        try:
            values[f.id] = validate_value(f, value, region)
        except FieldInvalid as exc:
            errors[f.id] = str(exc)
    for f in fields:
        if f.id not in values and f.id not in errors and is_required(f, values):
            errors[f.id] = f"{f.label} is required"
    return IntakeResult(values, errors, {f.id: f.label for f in fields})


def validate_scenario(
    scenario: Scenario, raw: Mapping[str, Any], region: str = "US"
) -> IntakeResult:
    """Validate a scenario's intake form."""
    return validate_fields(scenario.fields, raw, region)
