"""Small curated cue tables that fill the gaps of the two lexicons.

Why: ML-Ask misses everyday chat words (ありがとう, 最高, ワクワク, 興味, イライラ)
and NRC EmoLex is noisy for common English chat words (``interested`` →
disgust/sadness, ``furious`` → anger+disgust tie) and has no affection,
interest, relief, excitement or shame categories. A cue, when it fires, wins
over NRC for that word. Weights per cue sum to 1 (one unit of evidence).

Keep these tables short and boring: they are reviewed by hand, not learned.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Mapping
from types import MappingProxyType

Weights = Mapping[str, float]

SYMBOL_WEIGHT = 0.8  # one emoji/kaomoji/laugh is a little less than one emotive word
SYMBOL_MAX_REPEATS = 2  # 😂😂😂😂😂 counts as two


def _w(**weights: float) -> Weights:
    return MappingProxyType(dict(weights))


_GRATITUDE = _w(affection=0.75, trust=0.25)  # thanks read as warmth first

# English (and romaji) cue words, matched on the lower-cased surface or its simplemma lemma.
EN_CUES: Mapping[str, Weights] = MappingProxyType(
    {
        # joy
        **dict.fromkeys(
            "happy glad great awesome amazing fun enjoy enjoyed enjoying yay nice wonderful fantastic "
            "delighted pleased lol lmao lmfao rofl haha hahaha hehe xd best excellent congrats congratulations "
            "hilarious funny blessed slaps yippee hooray".split(),
            _w(joy=1.0),
        ),
        # affection
        **dict.fromkeys("love loved loving".split(), _w(affection=0.6, joy=0.4)),  # "love this" is joy-ish
        **dict.fromkeys(
            "adore cute sweet dear hug hugs xoxo fond kawaii bestie adorable aww".split(), _w(affection=1.0)
        ),
        **dict.fromkeys("fluffy proud".split(), _w(joy=0.5, affection=0.5)),
        "miss": _w(affection=0.6, sadness=0.4),
        # gratitude reads as warmth + trust toward the other person
        **dict.fromkeys("thank thanks thx ty grateful appreciate appreciated arigato arigatou".split(), _GRATITUDE),
        # trust
        **dict.fromkeys("trust rely reliable dependable".split(), _w(trust=1.0)),
        # interest
        **dict.fromkeys(
            "curious interested interesting fascinating fascinated intrigued intriguing wonder wondering".split(),
            _w(interest=1.0),
        ),
        # anticipation
        **dict.fromkeys("hope hoping hopefully".split(), _w(anticipation=1.0)),
        # excitement
        **dict.fromkeys(
            "excited exciting thrilled hyped hype pumped stoked pog poggers lit".split(), _w(excitement=1.0)
        ),
        # relief
        **dict.fromkeys("relieved relief phew whew".split(), _w(relief=1.0)),
        # surprise
        **dict.fromkeys("surprised surprising wow whoa woah shocked unexpected shook".split(), _w(surprise=1.0)),
        "unbelievable": _w(surprise=0.5, anger=0.5),
        "omg": _w(surprise=0.5, excitement=0.5),
        "sugoi": _w(joy=0.5, surprise=0.5),
        # sadness
        **dict.fromkeys("sad unhappy depressed cry crying cried heartbroken lonely miserable".split(), _w(sadness=1.0)),
        "sorry": _w(shame=0.6, sadness=0.4),  # in chat mostly an apology
        "upset": _w(sadness=0.5, anger=0.5),
        # anger
        **dict.fromkeys(
            "angry mad furious annoyed annoying pissed rage irritated ruined ridiculous".split(), _w(anger=1.0)
        ),
        "wtf": _w(anger=0.6, surprise=0.4),
        "frustrated": _w(anger=0.6, sadness=0.4),
        "hate": _w(anger=0.5, disgust=0.5),
        "ugh": _w(anger=0.5, disgust=0.5),
        # fear
        **dict.fromkeys(
            "scared afraid terrified anxious worried worry nervous scary frightened panic freaked creepy".split(),
            _w(fear=1.0),
        ),
        # disgust
        **dict.fromkeys("disgusting gross eww ew yuck nasty".split(), _w(disgust=1.0)),
        # shame
        **dict.fromkeys("embarrassed embarrassing ashamed awkward oops".split(), _w(shame=1.0)),
        "cringe": _w(shame=0.7, disgust=0.3),
    }
)

# English words that flip/cancel the emotion of the next few words (apostrophes already removed).
EN_NEGATORS: frozenset[str] = frozenset(
    "not no never dont doesnt didnt isnt wasnt arent werent cant cannot couldnt wont wouldnt "
    "shouldnt aint hardly nothing nobody without neither nor havent hasnt hadnt".split()
)
EN_NEGATION_WINDOW = 3
# A comparison between the negator and the word keeps it ("never been this happy").
EN_NEGATION_BREAKERS: frozenset[str] = frozenset({"this", "that"})

# NRC EmoLex emotions not used: on chat words they are connotations (good → trust/anticipation/surprise,
# gift → surprise, time → anticipation); the cue words above carry these labels instead.
NRC_SKIPPED: frozenset[str] = frozenset({"trust", "anticipation", "surprise"})
# Chat words NRC EmoLex files under an emotion they do not carry here (Discord → anger/disgust).
NRC_IGNORED: frozenset[str] = frozenset(
    "discord stream streaming chat server share god gift festival time tomorrow vote team shaking".split()
)

# Two-word phrases (previous word, word), matched on surfaces or lemmas; checked before
# negation because "can't wait" is a negated phrase that is *more* emotional, not less.
EN_PHRASE_CUES: Mapping[tuple[str, str], Weights] = MappingProxyType(
    {
        ("cant", "wait"): _w(excitement=0.5, anticipation=0.5),
        ("cannot", "wait"): _w(excitement=0.5, anticipation=0.5),
        ("look", "forward"): _w(anticipation=1.0),
        ("looking", "forward"): _w(anticipation=1.0),
        ("counting", "down"): _w(anticipation=1.0),
        ("thank", "god"): _w(relief=1.0),
        ("thank", "goodness"): _w(relief=1.0),
        ("much", "better"): _w(relief=1.0),
        ("wait", "what"): _w(surprise=1.0),
        ("no", "way"): _w(surprise=1.0),
        ("that", "coming"): _w(surprise=1.0),
        ("me", "crazy"): _w(anger=1.0),
        ("my", "bad"): _w(shame=1.0),
        ("me", "more"): _w(interest=1.0),
        ("getting", "into"): _w(interest=1.0),
        ("count", "on"): _w(trust=1.0),
        ("best", "friend"): _w(affection=1.0),
    }
)

# Japanese cue substrings (NFKC text) for what ML-Ask's dictionary lacks.
JA_CUES: tuple[tuple[str, Weights], ...] = (
    ("興味", _w(interest=1.0)),
    ("知りたい", _w(interest=1.0)),
    ("好奇心", _w(interest=1.0)),
    ("不思議", _w(interest=0.6, surprise=0.4)),
    ("期待", _w(anticipation=1.0)),
    ("待ち遠しい", _w(anticipation=1.0)),
    ("待ちきれない", _w(excitement=0.5, anticipation=0.5)),
    ("待ちきれん", _w(excitement=0.5, anticipation=0.5)),
    ("ワクワク", _w(excitement=1.0)),
    ("ドキドキ", _w(excitement=0.6, fear=0.4)),
    ("テンション上が", _w(excitement=1.0)),
    ("テンションが上が", _w(excitement=1.0)),
    ("最高", _w(joy=1.0)),
    ("やったー", _w(joy=1.0)),
    ("やったぁ", _w(joy=1.0)),
    ("ウケる", _w(joy=1.0)),
    ("すごい", _w(joy=0.5, surprise=0.5)),
    ("凄い", _w(joy=0.5, surprise=0.5)),
    ("ありがと", _GRATITUDE),
    ("会いたい", _w(affection=0.6, sadness=0.4)),
    ("推し", _w(affection=1.0)),
    ("信じて", _w(trust=1.0)),
    ("頼りに", _w(trust=1.0)),
    ("頼もしい", _w(trust=1.0)),
    ("助かっ", _w(relief=0.5, trust=0.5)),
    ("助かる", _w(relief=0.5, trust=0.5)),
    ("よかった", _w(relief=0.5, joy=0.5)),
    ("良かった", _w(relief=0.5, joy=0.5)),
    ("辛い", _w(sadness=1.0)),
    ("しんどい", _w(sadness=1.0)),
    ("イライラ", _w(anger=1.0)),
    ("キレた", _w(anger=1.0)),
    ("キレそう", _w(anger=1.0)),
    ("うざい", _w(anger=0.5, disgust=0.5)),
    ("ウザい", _w(anger=0.5, disgust=0.5)),
    ("キモい", _w(disgust=1.0)),
    ("きもい", _w(disgust=1.0)),
    ("気持ち悪い", _w(disgust=1.0)),
    ("マジか", _w(surprise=1.0)),
    ("まさか", _w(surprise=1.0)),
    ("えっ", _w(surprise=1.0)),
    # chat words and slang
    ("おめでと", _w(joy=1.0)),
    ("ナイス", _w(joy=1.0)),
    ("神回", _w(joy=1.0)),
    ("神ゲー", _w(joy=0.5, excitement=0.5)),
    ("合格", _w(joy=1.0)),
    ("受かった", _w(joy=1.0)),
    ("幸せ", _w(joy=1.0)),
    ("かわい", _w(affection=1.0)),
    ("可愛", _w(affection=1.0)),
    ("カワイイ", _w(affection=1.0)),
    ("愛おし", _w(affection=1.0)),
    ("尊い", _w(affection=1.0)),
    ("てぇてぇ", _w(affection=1.0)),
    ("応援して", _w(affection=1.0)),
    ("ぎゅー", _w(affection=1.0)),
    ("聞きたい", _w(interest=1.0)),
    ("ハマって", _w(interest=1.0)),
    ("惹かれ", _w(interest=1.0)),
    ("へぇ", _w(interest=1.0)),
    ("へえ", _w(interest=1.0)),
    ("うおお", _w(excitement=1.0)),
    ("きたー", _w(excitement=1.0)),
    ("きたあ", _w(excitement=1.0)),
    ("キター", _w(excitement=1.0)),
    ("アツい", _w(excitement=1.0)),
    ("アツすぎ", _w(excitement=1.0)),
    ("やっと終わ", _w(relief=1.0)),
    ("セーフ", _w(relief=1.0)),
    ("なんとかなった", _w(relief=1.0)),
    ("一安心", _w(relief=1.0)),
    ("ほっと", _w(relief=1.0)),
    ("うそでしょ", _w(surprise=1.0)),
    ("嘘でしょ", _w(surprise=1.0)),
    ("えええ", _w(surprise=1.0)),
    ("!?", _w(surprise=1.0)),
    ("?!", _w(surprise=1.0)),
    ("ビビ", _w(surprise=0.5, fear=0.5)),
    ("さみし", _w(sadness=1.0)),
    ("さびし", _w(sadness=1.0)),
    ("つらい", _w(sadness=1.0)),
    ("爆死", _w(sadness=1.0)),
    ("ショック", _w(sadness=0.6, surprise=0.4)),
    ("残念", _w(sadness=1.0)),
    ("ふざけ", _w(anger=1.0)),
    ("許せな", _w(anger=1.0)),
    ("いい加減に", _w(anger=1.0)),
    ("緊張", _w(fear=1.0)),
    ("こわい", _w(fear=1.0)),
    ("こわかっ", _w(fear=1.0)),
    ("こわすぎ", _w(fear=1.0)),
    ("ガクブル", _w(fear=1.0)),
    ("心配", _w(fear=1.0)),
    ("生理的に無理", _w(disgust=1.0)),
    ("だけは無理", _w(disgust=1.0)),
    ("くさっ", _w(disgust=1.0)),
    ("臭い", _w(disgust=1.0)),
    ("吐きそう", _w(disgust=1.0)),
    ("穴があったら入りたい", _w(shame=1.0)),
    ("すみません", _w(shame=1.0)),
    ("ごめん", _w(shame=1.0)),
    ("黒歴史", _w(shame=1.0)),
    ("照れ", _w(shame=1.0)),
    ("やらかし", _w(shame=1.0)),
)
# A Japanese cue followed by one of these is negated and ignored (興味ない, 期待してなかった).
# Used with .match(text, pos), which anchors at pos.
JA_NEGATION_AFTER = re.compile(
    r"(?:が|は|も|を)?(?:し|して|でき)?(?:ない|無い|なかった|無かった|ありません|ねえ|ねー|ません|できない)"
)
# よかった after ば/たら is regret (行けばよかった), not relief.
JA_CUE_BLOCKED_BEFORE: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {"よかった": ("ば", "ら"), "良かった": ("ば", "ら")}
)
# A Japanese cue followed by one of these is another word (かわいそう is pity, 心配ない is reassurance).
JA_CUE_BLOCKED_AFTER: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {"かわい": ("そう",), "可愛": ("そう",), "合格": ("発表", "点", "ライン")}
)

# ML-Ask words whose ML-Ask category reads wrong in chat; replaces that word's category.
MLASK_WORD_OVERRIDES: Mapping[str, Weights] = MappingProxyType(
    {
        "気になる": _w(interest=1.0),  # ML-Ask says 怖 (worry); in chat it is mostly curiosity
        "楽しみ": _w(anticipation=0.6, joy=0.4),  # "looking forward to"
        "信頼する": _w(trust=1.0),  # ML-Ask files it under 好
        "泣く": _w(sadness=1.0),  # ML-Ask adds 昂 too
        "泣くたい": _w(sadness=1.0),  # 泣きたい
        "緊張": _w(fear=1.0),  # ML-Ask says 昂; in chat 緊張する is nerves
        "鳥肌": _w(excitement=1.0),  # ML-Ask says 厭/怖; in chat 鳥肌立った is awe
        "痛い": _w(),  # ML-Ask says 厭; pain is not an emotion (笑いすぎてお腹痛い)
        "感謝": _GRATITUDE,
    }
)

# Emoji (base code point; variation selectors are stripped before lookup).
EMOJI_CUES: Mapping[str, Weights] = MappingProxyType(
    {
        **dict.fromkeys("😀😃😄😁😆😊🙂☺😂🤣😹🎉🥳😸😺", _w(joy=1.0)),
        **dict.fromkeys("🥰😍😘😻❤♥💕💖💗💓💞💘💝🫶🤗💙💚💛💜🧡🤍🩷", _w(affection=1.0)),
        **dict.fromkeys("🙏", _GRATITUDE),
        **dict.fromkeys("🤝", _w(trust=1.0)),
        **dict.fromkeys("🤔👀🧐", _w(interest=1.0)),
        **dict.fromkeys("🤩🔥🙌", _w(excitement=1.0)),
        **dict.fromkeys("😌", _w(relief=1.0)),
        **dict.fromkeys("😮😯😲🤯😱", _w(surprise=1.0)),
        **dict.fromkeys("😢😭😿💔😞😔😥😪🥲", _w(sadness=1.0)),
        **dict.fromkeys("😠😡🤬💢👿😤", _w(anger=1.0)),
        **dict.fromkeys("😨😰😖😟", _w(fear=1.0)),
        **dict.fromkeys("🤢🤮🙄😒", _w(disgust=1.0)),
        **dict.fromkeys("😳🙈", _w(shame=0.6, surprise=0.4)),
        **dict.fromkeys("😅", _w(shame=0.5, relief=0.5)),
    }
)
# 😱 is listed once (surprise); it is also fear-ish but one unit is enough.

# Kaomoji / emoticons / laughter, matched on the original (not NFKC) text.
PATTERN_CUES: tuple[tuple[re.Pattern[str], Weights], ...] = (
    (re.compile(r"\^[_\-ωo▽∀ｰー・.ｏ]?\^"), _w(joy=1.0)),  # (^^) (^_^) (^o^)
    (re.compile(r"≧[^≦\s]{0,2}≦"), _w(joy=0.5, excitement=0.5)),  # (≧∇≦)
    (re.compile(r"(?<![\w])[:;=]-?[)\]D](?![\w])|(?<![\w])XD(?![\w])"), _w(joy=1.0)),  # :) :D ;) XD
    (re.compile(r"<3"), _w(affection=1.0)),
    (re.compile(r"[TＴ][_＿.][TＴ]|;[_＿];|;ω;|（[´`]?[;；]ω[;；]"), _w(sadness=1.0)),  # T_T ;_;
    (re.compile(r"(?<![\w>])[:;=]'?-?[(\[](?![\w])"), _w(sadness=1.0)),  # :( :'(
    (re.compile(r">:\(|[`｀]Д[´']|💢"), _w(anger=1.0)),  # >:( (`Д´)
    (re.compile(r"[ﾟ゜°][ДдoOｏ○][ﾟ゜°]|\b[oO]_[oO]\b"), _w(surprise=1.0)),  # (ﾟДﾟ) O_o
    (re.compile(r"\borz\b|\bOTL\b"), _w(shame=0.5, sadness=0.5)),
    # laughter: www, （笑）, 笑 / 草 closing a sentence
    (
        re.compile(
            r"(?<![a-zA-Z])[wｗ]{2,}(?![a-zA-Z.])"
            r"|[(（]笑[)）]|笑(?=$|[\s。!！?？…]|[wｗ])"
            r"|(?:^|(?<=[\s。!！?？]))草+(?=$|[\s。!！?？…]|[wｗ])|[でて]草|草生え|草不可避"
        ),
        _w(joy=1.0),
    ),
    (re.compile(r"(?<![0-9])8{3,}(?![0-9])"), _w(joy=1.0)),  # 8888 (パチパチ, applause)
)

# any of PATTERN_CUES, in one search
_ANY_PATTERN = re.compile("|".join(f"(?:{pattern.pattern})" for pattern, _ in PATTERN_CUES))
# every match of PATTERN_CUES holds one of these characters or strings: a line with none of them (most
# chat lines) needs no regex search, which tries every pattern at every position (a tenth of a turn's
# analysis); tests/test_emotion_speedups.py checks the rule on LoCoMo's turns and our chat lines
_PATTERN_CHARS = frozenset("^≧:;=<>（`｀💢ﾟ゜°_笑草")
_PATTERN_STRINGS = ("T_", "T＿", "T.", "Ｔ_", "Ｔ＿", "Ｔ.", "XD", "orz", "OTL", "ww", "ｗｗ", "wｗ", "ｗw", "888")


def may_hold_pattern(text: str) -> bool:
    """False only when no PATTERN_CUES pattern can match `text` (a cheap test before the regex)."""
    return not _PATTERN_CHARS.isdisjoint(text) or any(s in text for s in _PATTERN_STRINGS)

_BANGS = re.compile(r"[!！]{2,}")
_CAPS_WORD = re.compile(r"\b[A-Z]{3,}\b")
_ELONGATED = re.compile(r"([a-zA-Z])\1{2,}|[ーっ〜~]{2,}")


def symbol_weights(text: str) -> dict[str, float]:
    """Evidence from emoji, kaomoji and laughter in the original (un-normalised) text."""
    weights: defaultdict[str, float] = defaultdict(float)
    counts: defaultdict[str, int] = defaultdict(int)
    if EMOJI_CUES.keys().isdisjoint(text) and not (may_hold_pattern(text) and _ANY_PATTERN.search(text)):
        return {}  # most chat lines: one pass in C instead of a Python loop per character and pattern
    for char in text:
        cue = EMOJI_CUES.get(char)
        if cue is not None and counts[char] < SYMBOL_MAX_REPEATS:
            counts[char] += 1
            for label, weight in cue.items():
                weights[label] += weight * SYMBOL_WEIGHT
    for pattern, cue in PATTERN_CUES:
        hits = min(SYMBOL_MAX_REPEATS, sum(1 for _ in pattern.finditer(text)))
        for label, weight in cue.items():
            if hits:
                weights[label] += weight * SYMBOL_WEIGHT * hits
    return dict(weights)


def emphasis_units(text: str) -> float:
    """Emphasis: each !! run 1, a lone ! 0.5, each ALL-CAPS word or elongation (sooo, ーー) 0.5."""
    units = float(len(_BANGS.findall(text)))
    if units == 0 and ("!" in text or "！" in text):
        units = 0.5
    units += 0.5 * len(_CAPS_WORD.findall(text))
    units += 0.5 * len(_ELONGATED.findall(unicodedata.normalize("NFC", text)))
    return units
