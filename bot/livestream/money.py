"""Amounts as a viewer reads them (and a TTS says them): ¥1,000 / 1,000円, $5.00, €3.50 (babel's CLDR data)."""

from __future__ import annotations

from babel.numbers import UnknownCurrencyError, format_currency, format_decimal

LOCALES = {"ja": "ja_JP", "en": "en_US"}


def format_money(amount: float, currency: str | None, language: str) -> str:
    """`amount` in `currency` (an ISO code, any case) for a `language` reader; a bare number without one."""
    locale = LOCALES.get(language, "en_US")
    if not currency:
        return format_decimal(amount, locale=locale)
    code = currency.upper()
    if language == "ja" and code == "JPY":
        return format_decimal(amount, locale=locale) + "円"
    try:
        return format_currency(amount, code, locale=locale)
    except UnknownCurrencyError:
        return f"{format_decimal(amount, locale=locale)} {code}"
