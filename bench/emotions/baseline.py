"""The baseline, computed in the same run: the two lexicons' raw output, no cues, weights or negation.

Japanese text gets every category pymlask's ML-Ask finds (its own negation handling included), Latin
words every NRC EmoLex emotion of their surface or lemma (valences dropped), mapped onto our labels.
This is what tagging with the libraries alone would store.
"""

from __future__ import annotations

import ipadic
from mlask import MLAsk
from nrclex import NRCLex

from memory.emotions.labels import MLASK_TO_KEY, NRC_TO_KEY
from memory.text.tokenize import is_japanese, normalize, tokenize


class RawLexicons:
    def __init__(self) -> None:
        self._mlask = MLAsk(ipadic.MECAB_ARGS)

    def labels(self, text: str) -> list[str]:
        found: set[str] = set()
        folded = normalize(text)
        if is_japanese(folded):
            for category in (self._mlask.analyze(folded).get("emotion") or {}):
                found.add(MLASK_TO_KEY[category])
        words = [(t.surface, t.base) for t in tokenize(folded) if not t.japanese and t.content]
        if words:
            nrc = NRCLex(None)
            nrc.load_token_list([form for pair in words for form in pair])
            for surface, base in words:
                for category in nrc.affect_dict.get(surface) or nrc.affect_dict.get(base) or []:
                    if category in NRC_TO_KEY:
                        found.add(NRC_TO_KEY[category])
        return sorted(found)
