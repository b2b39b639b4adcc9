"""Kaomoji ((´；ω；｀), (〃▽〃), Σ(ﾟДﾟ)) read by their parts: eyes, mouths and marks carry the emotion.

Why parts and not a list: chat users type endless variants of the same face, so a face is found by
its shape (a bracketed run of symbols, with arms) and scored by the parts it contains. The parts and
their labels were chosen by hand and checked against the `kaomoji-dataset` package (FontVibe, CC BY
4.0: 82k kaomoji with emotion labels): for each part, the labels of the dataset's ``core`` faces that
contain it (e.g. 益 93% angry, ♡ 80% love, ╥ 92% sad). The dataset itself is not loaded at run time:
parsing it takes seconds and hundreds of MB, and its labels are too noisy to use raw (a classifier
trained on them gets 58% of held-out faces right); `python -m bench.emotions.kaomoji` measures these
parts on it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from types import MappingProxyType

__all__ = ["FACE", "PARTS", "extract", "face_weights"]

Weights = Mapping[str, float]

# Fullwidth ASCII → ASCII only (NFKC would also turn ´ into a space plus a combining accent).
_FOLD = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}


def _w(**weights: float) -> Weights:
    return MappingProxyType(dict(weights))


# Part (after folding fullwidth ASCII) → label weights. All matching parts of a face add up.
PARTS: tuple[tuple[str, Weights], ...] = (
    # sadness: tears and drooping eyes
    *((p, _w(sadness=2.0)) for p in (";ω;", ";_;", "; ;", ";Д;", "T_T", "T^T", "TT", "╥", "ﾟ´", "´・ω・`", "´・_・`")),
    ("´Д`", _w(sadness=0.8)),
    ("_ _", _w(sadness=0.6)),
    # joy: open smiling mouths and closed happy eyes
    *((p, _w(joy=1.0)) for p in ("▽", "∀", "∇", "^o^", "^^", "^_^", "^ ^", "^ω^", "ᗜ", "‿", "ᴗ", "⌒", "♪", "ヮ")),
    ("≧", _w(joy=0.6, excitement=0.4)),
    ("٩", _w(joy=0.7, excitement=0.3)),
    ("و", _w(joy=0.7, excitement=0.3)),
    # anger: clenched teeth, vein marks, flipped tables
    *((p, _w(anger=2.0)) for p in ("益", "╬", "皿", "`Д´", "`ε´", "ಠ", "┻", "#", "💢")),
    # surprise: wide eyes, dropped jaw
    *((p, _w(surprise=2.0)) for p in ("ﾟДﾟ", "ﾟдﾟ", "ﾟﾛﾟ", "゜Д゜", "°Д°", "°ロ°", "Σ", "O_O", "o_O", "O_o", "⊙_⊙", "◎_◎")),
    # fear: trembling ((( ))) with sweat
    ("(((", _w(fear=2.5)),
    (")))", _w(fear=2.5)),
    ("ｶﾞｸﾌﾞﾙ", _w(fear=2.0)),
    # shame: blushing cheeks, hidden face
    *((p, _w(shame=3.0)) for p in ("〃", "⁄", "//", "ﾉωﾉ", "ノωノ", "ﾉω`")),
    # affection: hearts, kisses
    *((p, _w(affection=2.0)) for p in ("♡", "♥", "❤", "з", "´ε`", "chu")),
)

_ARMS = r"[ヽ٩ᕕ\\＼/／o∩⊂ヾσΣ(（ノﾉっ♪☆*・。ﾟ゜°]{0,3}"
_TAIL = r"[ﾉノ/／\\＼و۶ᕗoゞっ)）♡♥❤♪☆*・。ﾟ゜°~〜]{0,3}"
# A bracketed run of up to 16 characters (no line breaks, no nested brackets), with arms either side.
FACE = re.compile(_ARMS + r"[(（][^()（）\n]{1,16}[)）]" + _TAIL)
# Words in brackets are not faces: (笑), (lol), (比喩). TT is the one letter pair a face may hold.
_WORDISH = re.compile(r"[\u3041-\u3096\u30a1-\u30fa\u4e00-\u9fffA-SU-Za-z]{2,}")


def face_weights(face: str) -> dict[str, float]:
    """Label weights of one face, normalised to sum 1; ``{}`` when no part is recognised."""
    folded = face.translate(_FOLD)
    raw: defaultdict[str, float] = defaultdict(float)
    for part, weights in PARTS:
        if part in folded:
            for label, weight in weights.items():
                raw[label] += weight
    if not raw:
        return {}
    top = max(raw.values())
    kept = {label: weight for label, weight in raw.items() if weight >= 0.5 * top}
    total = sum(kept.values())
    return {label: weight / total for label, weight in kept.items()}


def extract(text: str, *, max_faces: int = 2, unit: float = 0.8) -> tuple[dict[str, float], str]:
    """Evidence from the kaomoji in ``text`` (``unit`` per face, at most ``max_faces``), and the text
    with every face replaced by a space so other cue tables do not count it again."""
    if "(" not in text and "（" not in text:
        return {}, text
    evidence: defaultdict[str, float] = defaultdict(float)
    pieces: list[str] = []
    pos = faces = 0
    for match in FACE.finditer(text):
        inner = match.group(0)
        if _WORDISH.search(inner.translate(_FOLD)):
            continue
        weights = face_weights(inner)
        if not weights:
            continue
        pieces.append(text[pos : match.start()])
        pieces.append(" ")
        pos = match.end()
        if faces < max_faces:
            faces += 1
            for label, weight in weights.items():
                evidence[label] += weight * unit
    if not pieces:
        return {}, text
    pieces.append(text[pos:])
    return dict(evidence), "".join(pieces)
