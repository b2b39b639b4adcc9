"""Offline, rule-based query rewriting (no LLM): the question scaffolding is dropped so only what the
answer would share with the question is left ("When did Hinata start the pottery class?" ->
"Hinata start the pottery class"). Measured in the table beside the plain question.
"""

from __future__ import annotations

import re

_AUX = r"(?:do|does|did|is|are|was|were|has|have|had|would|will|could|can|should|might)"
_SCAFFOLD = re.compile(
    rf"^\s*(?:(?:what|which|who|whom|whose|when|where|why|how)"
    rf"(?:\s+(?:kind|type|sort|types|kinds)\s+of)?(?:\s+(?:many|much|long|often|old|far))?"
    rf"(?:\s+{_AUX}\b)?|{_AUX}\b)\s*", re.I)


def rewrite(question: str) -> str:
    """The question without its wh-word, auxiliary and question mark (unchanged if nothing is left)."""
    text = _SCAFFOLD.sub("", question.strip(), count=1).rstrip(" ?？")
    return text or question
