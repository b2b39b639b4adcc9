"""ML-Ask's emotion scan over pymlask's own dictionaries, indexed: the library's results, a fifth of the time.

pymlask's `MLAsk.analyze` tests every one of its 4,420 emotive-indicator entries (`emotem`) with
`entry in text` and walks all 3,220 emotion words for each text: ~2.5 ms a Japanese text here, most of
a save's emotion analysis, which runs beside the embedding on the same cores. Its only public call is
that slow `analyze`, so this module runs ML-Ask's procedure itself on the library's public parts: the
dictionary files it ships (read with `importlib.resources`), its module constants (`CVS_TABLE`,
`RE_CVS`, `RE_PARTICLES`, `RE_EMOTICON`, `RE_POS`, `RE_MIDAS`) and a MeCab tagger on ipadic, as
pymlask builds its own. Emotem entries are grouped by their first character (an entry can only occur
if that character does) and emotion words are looked up in a dict; hits are put back in dictionary
order, so the result is exactly what `MLAsk.analyze` returns (tests/test_emotions.py compares them).

Why not `mlask-official` (0.5, the original author's rewrite, ~0.13 ms a text): it ships a merged and
extended dictionary with fuzzy matching, emoji and kaomoji, so it finds other emotions on the same text
(20 of our 38 test texts differ: すごい → surprise, ありがとう → 'ありがとうございました≈', emoji that
`memory.emotions.cues` already counts). Moving to it means re-tuning the analyzer, not a drop-in swap.
"""

from __future__ import annotations

import collections
import functools
import re
from dataclasses import dataclass, field
from importlib import resources

import MeCab
from mlask.mlask import CVS_TABLE, RE_CVS, RE_EMOTICON, RE_MIDAS, RE_PARTICLES, RE_POS

# the dictionaries pymlask reads, in its order (the order of its result's keys)
EMOTEM_CLASSES = ("interjections", "exclamation", "vulgar", "endearments", "emotikony", "gitaigo")
EMOTION_CLASSES = ("aware", "haji", "ikari", "iya", "kowa", "odoroki", "suki", "takaburi", "yasu", "yorokobi")
MAX_PHRASE_WORDS = 7  # ML-Ask matches emotion phrases of up to seven lemmas


@dataclass(frozen=True, slots=True)
class MLAskResult:
    """The parts of `MLAsk.analyze`'s result the analyzer uses (empty when the text has no emotion word)."""

    emotion: dict[str, list[str]] = field(default_factory=dict)  # class -> words, "*CVS" when negated
    intensifier: dict[str, list[str]] = field(default_factory=dict)  # emotem class -> what was found
    intension: int = 0  # how many emotem classes were found


@dataclass(frozen=True, slots=True)
class _Lemmas:
    words: list[str]  # the lemma of each token
    all: str  # the lemmas joined, where negation (CVS) is looked for
    no_emotem: str  # the surfaces of the tokens that are not interjections
    interjections: list[str]


class _Dictionaries:
    """pymlask's dictionary files, indexed once per process (read-only afterwards, shared by threads)."""

    def __init__(self) -> None:
        files = resources.files("mlask")
        # per emotem class: first character -> [(position in the class's list, entry)]; "" for an empty line
        self.emotem_by_char: dict[str, dict[str, list[tuple[int, str]]]] = {}
        for emotem_class in EMOTEM_CLASSES:
            by_char: dict[str, list[tuple[int, str]]] = collections.defaultdict(list)
            entries = (files / "emotemes" / f"{emotem_class}_uncoded.txt").read_text("utf-8").splitlines()
            for pos, entry in enumerate(entries):
                by_char[entry[:1]].append((pos, entry))
            self.emotem_by_char[emotem_class] = dict(by_char)
        # emotion word -> [(class position, word position, class, word)]: sorted, the dictionary's order
        self.emotion_index: dict[str, list[tuple[int, int, str, str]]] = collections.defaultdict(list)
        for class_pos, emotion_class in enumerate(EMOTION_CLASSES):
            words = (files / "emotions" / f"{emotion_class}_uncoded.txt").read_text("utf-8").splitlines()
            for word_pos, word in enumerate(words):
                self.emotion_index[word].append((class_pos, word_pos, emotion_class, word))


@functools.cache
def _dictionaries() -> _Dictionaries:
    return _Dictionaries()


@functools.lru_cache(maxsize=4096)
def _negated(emotion: str) -> re.Pattern[str]:
    """The emotion word followed by a contextual valence shifter (嫌い + ではない)."""
    return re.compile(f"{emotion}(?:{RE_PARTICLES}({RE_CVS}))")


class FastMLAsk:
    """ML-Ask for one thread (its MeCab tagger must not be shared); the dictionaries are shared."""

    def __init__(self, mecab_arg: str = "") -> None:
        self._tagger = MeCab.Tagger(mecab_arg)
        self._tagger.parse("")
        self._dicts = _dictionaries()

    def analyze(self, text: str) -> MLAskResult:
        """What `MLAsk(mecab_arg).analyze(text)` finds: its emotions, intensifiers and intension."""
        text = text.replace("!", "！").replace("?", "？")
        lemmas = self._lemmas(text)
        emotion = self._emotions(lemmas)
        if not emotion:
            return MLAskResult()
        emoticon = RE_EMOTICON.search(text)
        intensifier = self._emotems(lemmas, [emoticon.group(1) + emoticon.group(2)] if emoticon else [])
        return MLAskResult(emotion, intensifier, len(intensifier))

    def _lemmas(self, text: str) -> _Lemmas:
        words: list[str] = []
        no_emotem: list[str] = []
        interjections: list[str] = []
        for line in self._tagger.parse(text).splitlines():
            surface, tab, feature = line.partition("\t")
            if not tab:
                continue  # EOS
            features = feature.split(",")
            if len(features) < 2:
                continue
            pos, subpos = features[0], features[1]
            lemma = features[6] if len(features) > 7 else surface  # unknown words carry no lemma
            if not (pos and subpos and lemma):
                continue
            words.append(lemma)
            if RE_POS.search(pos + subpos) or RE_MIDAS.search(surface):
                interjections.append(surface)
            else:
                no_emotem.append(surface)
        return _Lemmas(words, "".join(words).replace("*", ""), "".join(no_emotem), interjections)

    def _emotems(self, lemmas: _Lemmas, emoticons: list[str]) -> dict[str, list[str]]:
        text = lemmas.no_emotem
        chars = set(text) | {""}
        found_by_class: dict[str, list[str]] = {}
        for emotem_class, by_char in self._dicts.emotem_by_char.items():
            hits = [(pos, entry) for ch in chars for pos, entry in by_char.get(ch, ()) if entry in text]
            found = [entry for _, entry in sorted(hits)]
            if emotem_class == "emotikony" and emoticons:
                found.append(",".join(emoticons))
            elif emotem_class == "interjections" and lemmas.interjections:
                found.append("".join(lemmas.interjections))
            if found:  # an empty dictionary line matches and counts, as in pymlask, but is not listed
                found_by_class[emotem_class] = [x for x in found if x]
        return found_by_class

    def _emotions(self, lemmas: _Lemmas) -> dict[str, list[str]]:
        words, index = lemmas.words, self._dicts.emotion_index
        total = len(words)
        phrases = {"".join(words[i:j + 1]) for i in range(total) for j in range(i, min(i + MAX_PHRASE_WORDS, total))}
        hits = sorted(hit for phrase in phrases if phrase in index for hit in index[phrase])
        found: dict[str, list[str]] = collections.defaultdict(list)
        for _, _, emotion_class, emotion in hits:
            if _negated(emotion).search(lemmas.all):
                for new_class in CVS_TABLE[emotion_class]:
                    found[new_class].append(emotion + "*CVS")
            else:
                found[emotion_class].append(emotion)
        return dict(found)
