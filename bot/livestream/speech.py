"""Text a speech synthesiser reads well: no emoji or kaomoji, money and numbers in words.

A TTS engine reads "¥1,000" as "yen one comma zero zero zero" and "(´・ω・`)" as noise, so replies carry
a second text made for it: ¥1,000 -> 千円 (Japanese) or "one thousand yen" (English), $5 -> 五ドル /
"five dollars", 2026-11-22 -> 二千二十六年十一月二十二日 / "November twenty-second, twenty twenty-six".
Numbers become words with num2words; emoji are recognised by the emoji package (ZWJ sequences,
flags, skin tones); kaomoji by their shape (a short bracketed run of symbols with no real word inside).
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

import emoji
from num2words import num2words

# currency code -> (Japanese word, English singular, English plural, English word for a hundredth or None)
CURRENCIES: dict[str, tuple[str, str, str, str | None]] = {
    "JPY": ("円", "yen", "yen", None),
    "USD": ("ドル", "dollar", "dollars", "cent"),
    "CAD": ("カナダドル", "Canadian dollar", "Canadian dollars", "cent"),
    "AUD": ("オーストラリアドル", "Australian dollar", "Australian dollars", "cent"),
    "NZD": ("ニュージーランドドル", "New Zealand dollar", "New Zealand dollars", "cent"),
    "HKD": ("香港ドル", "Hong Kong dollar", "Hong Kong dollars", "cent"),
    "TWD": ("台湾ドル", "New Taiwan dollar", "New Taiwan dollars", None),
    "SGD": ("シンガポールドル", "Singapore dollar", "Singapore dollars", "cent"),
    "EUR": ("ユーロ", "euro", "euros", "cent"),
    "GBP": ("ポンド", "pound", "pounds", "penny"),
    "KRW": ("ウォン", "won", "won", None),
    "CNY": ("元", "yuan", "yuan", None),
    "INR": ("ルピー", "rupee", "rupees", None),
    "BRL": ("レアル", "real", "reais", "centavo"),
    "MXN": ("メキシコペソ", "Mexican peso", "Mexican pesos", "centavo"),
    "PHP": ("フィリピンペソ", "Philippine peso", "Philippine pesos", "centavo"),
    "BITS": ("ビッツ", "bit", "bits", None),
}
CENTS_PLURAL = {"cent": "cents", "penny": "pence", "centavo": "centavos"}
JA_CENT = {"cent": "セント", "penny": "ペンス", "centavo": "センターボ"}
SYMBOLS = {"¥": "JPY", "円": "JPY", "$": "USD", "€": "EUR", "£": "GBP", "₩": "KRW", "₹": "INR", "ドル": "USD",
           "ユーロ": "EUR", "ポンド": "GBP", "ウォン": "KRW"}
DOLLAR_PREFIX = {"US": "USD", "CA": "CAD", "A": "AUD", "AU": "AUD", "NZ": "NZD", "HK": "HKD", "NT": "TWD",
                 "S": "SGD", "R": "BRL", "MX": "MXN"}
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")

NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
CODES = "|".join(sorted(CURRENCIES, key=len, reverse=True))
_PREFIXED = re.compile(rf"(?:\b(US|CA|AU|A|NZ|HK|NT|S|R|MX)\$|([¥$€£₩₹]))\s?({NUMBER})")
_SUFFIXED = re.compile(rf"({NUMBER})\s?(?:({CODES})(?![A-Za-z])|(円|ドル|ユーロ|ポンド|ウォン))", re.IGNORECASE)
_DATE = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
_NUMBER = re.compile(NUMBER)
_URL = re.compile(r"https?://\S+")
# a bracketed face, with the arms and cheeks that often go around it: ヽ(・∀・)ﾉ, m(_ _)m, (ﾉ◕ヮ◕)ﾉ*:･ﾟ✧
_KAOMOJI = re.compile(r"[ヽ＼\\٩ᕕ┌mｍ]?[(（]([^()（）\n]{1,24})[)）][ﾉノ/／۶ᕗ┐っつmｍ*:･゚ﾟ✧☆彡]*")
_EMOTICON = re.compile(r"(?<!\S)(?:[:;=xX8][-'^]?[)(DPpOo3/|\]\[]+|\^[_\-.ωo]?\^;?|orz|OTL)(?!\S)")
_LAUGH = re.compile(r"(?<=[\u3040-\u30ff\u4e00-\u9fff!?！？ー])[wｗ]{2,}")
# letters that kaomoji borrow for mouths and eyes (ω, Д, ∀ ...), which do not make a word
FACE_LETTERS = set("ωДдεзэロヮェエｪｴσσっつッツ")


def _is_face(inner: str) -> bool:
    """A bracketed run is a face when it has a symbol, no digit and no two word letters side by side."""
    letters = [unicodedata.category(c).startswith("L") and c not in FACE_LETTERS for c in inner]
    if any(unicodedata.category(c) == "Nd" for c in inner) or sum(letters) > 2:
        return False
    if any(a and b for a, b in zip(letters, letters[1:], strict=False)):
        return False
    return any(unicodedata.category(c)[0] in "SPM" and c not in " 　" for c in inner)


def strip_faces(text: str) -> str:
    """Remove emoji, kaomoji and ASCII emoticons; the words around them stay."""
    text = emoji.replace_emoji(text, "")
    text = _KAOMOJI.sub(lambda m: "" if _is_face(m.group(1)) else m.group(0), text)
    return _EMOTICON.sub("", text)


def _decimal(number: str) -> Decimal | None:
    try:
        return Decimal(number.replace(",", ""))
    except InvalidOperation:
        return None


def say_number(number: str | Decimal | int, language: str) -> str:
    value = number if isinstance(number, Decimal | int) else _decimal(number)
    if value is None:
        return str(number)
    if isinstance(value, Decimal) and value == value.to_integral_value():
        value = int(value)
    return str(num2words(value, lang="ja" if language == "ja" else "en"))


def say_money(number: str, code: str, language: str) -> str:
    """An amount as a reader says it: 千円, 三ドル五十セント, "three dollars and fifty cents"."""
    value = _decimal(number)
    code = code.upper()
    if value is None:
        return f"{number} {code}"
    ja, one, many, hundredth = CURRENCIES.get(code, (code, code, code, None))
    whole, cents = int(value), int((value - int(value)) * 100)
    if language == "ja":
        if cents and hundredth:
            return f"{say_number(whole, 'ja')}{ja}{say_number(cents, 'ja')}{JA_CENT[hundredth]}"
        return f"{say_number(value, 'ja')}{ja}"
    if cents and hundredth:
        cent_word = hundredth if cents == 1 else CENTS_PLURAL[hundredth]
        return f"{say_number(whole, 'en')} {one if whole == 1 else many} and {say_number(cents, 'en')} {cent_word}"
    return f"{say_number(value, 'en')} {one if value == 1 else many}"


def _say_date(m: re.Match[str], language: str) -> str:
    year, month, day = (int(g) for g in m.groups())
    if not 1 <= month <= 12 or not 1 <= day <= 31:
        return m.group(0)
    if language == "ja":
        return f"{say_number(year, 'ja')}年{say_number(month, 'ja')}月{say_number(day, 'ja')}日"
    return f"{MONTHS[month - 1]} {num2words(day, lang='en', to='ordinal')}, {num2words(year, lang='en', to='year')}"


def _prefixed(m: re.Match[str], language: str) -> str:
    dollar, symbol, number = m.groups()
    return say_money(number, DOLLAR_PREFIX[dollar] if dollar else SYMBOLS[symbol], language)


def _suffixed(m: re.Match[str], language: str) -> str:
    number, code, word = m.groups()
    return say_money(number, code or SYMBOLS[word], language)


def speakable(text: str, language: str) -> str:
    """The text for a TTS engine in `language` (ja or en): faces removed, money, dates and numbers in words."""
    text = unicodedata.normalize("NFKC", text)  # full-width digits and ￥ become plain ones
    text = _URL.sub("リンク" if language == "ja" else "a link", text)
    text = strip_faces(text)
    if language == "ja":
        text = _LAUGH.sub("", text)
    text = _DATE.sub(lambda m: _say_date(m, language), text)
    text = _PREFIXED.sub(lambda m: _prefixed(m, language), text)
    text = _SUFFIXED.sub(lambda m: _suffixed(m, language), text)
    text = _NUMBER.sub(lambda m: say_number(m.group(0), language), text)
    lines = (re.sub(r"[ \t]{2,}", " ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)
