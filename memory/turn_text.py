"""What a conversation turn's vector and lexical terms are made of (its stored content is unchanged).

Why: a chat turn alone often means little ("Wow, that's cool!", "Booked it today!")
and questions about a chat name the people in it ("What did Yuki book?"). Measured on LoCoMo
(bench/retrieval, docs/benchmarks.md "Retrieval quality"), embedding the bare message finds the right session for
about 69% of questions in the top 5; with the speaker's name ("Yuki: ...") 84%; with the speaker's
name and the previous turn of the same session about 92%.

So for a turn (kind "turn") the engine embeds:

    <previous speaker>: <previous turn>        (the last TURN_CONTEXT_TURNS turns of the session,
    <speaker>: <user_message>                   at most TURN_CONTEXT_CHARS characters, their end kept)
    <ai_message>

and indexes `<speaker>: <user_message> <ai_message>` lexically (the memory's own words plus the name,
so a lexical match still means the memory itself says it). Stored content (kind "content") is
embedded as it is.

The speaker is a display name from the metadata (`speaker`, `user_name`, `display_name` or
`viewer_name`) when given, else the scope's user_id when it reads like a name:
an opaque id (digits, a UUID, a hash) would only add noise to the vector, so it is left out.
The previous turns are those of the same tenant, cube and session_id saved before this one (earlier
items of the same batch count); a turn without a session_id has no context. The context is captured
when a memory is saved: later edits of a neighbour do not change it.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

CONTEXT_SEPARATOR = "\n"
_NOT_WORD = re.compile(r"[\W_]+")
_ELLIPSIS = "…"
MAX_SPEAKER_CHARS = 64
# metadata keys that carry a display name, first found wins (the livestream stores viewer_name)
NAME_KEYS = ("speaker", "user_name", "display_name", "viewer_name")
# digits/punctuation only (Discord snowflakes, phone-like ids), UUIDs, long hex or base64-ish tokens
_OPAQUE = re.compile(r"^[\d\W_]+$|^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$|^[0-9a-f]{16,}$"
                     r"|^[A-Za-z0-9+/=_-]{20,}$", re.I)


@dataclass(frozen=True, slots=True)
class TurnTextOptions:
    speaker_names: bool = True
    context_turns: int = 1
    context_chars: int = 600


def speaker_label(user_id: str | None, metadata: dict[str, Any] | None) -> str | None:
    """The name to write before a turn's words, or None when there is no readable name."""
    for key in NAME_KEYS:
        given = (metadata or {}).get(key)
        if isinstance(given, str) and given.strip():
            return given.strip()[:MAX_SPEAKER_CHARS]
    if user_id and len(user_id) <= MAX_SPEAKER_CHARS and not _OPAQUE.match(user_id.strip()):
        return user_id.strip()
    return None


def labelled_turn(user_message: str | None, ai_message: str | None, speaker: str | None) -> str:
    """The turn's own words with its speaker's name: what the lexical index holds for it."""
    user = (user_message or "").strip()
    own = f"{speaker}: {user}" if speaker and user else user
    ai = (ai_message or "").strip()
    return f"{own}\n{ai}" if own and ai else own or ai


def _words(*parts: str | None) -> str:
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", "".join(p or "" for p in parts)).casefold())


def same_words(user_a: str | None, ai_a: str | None, user_b: str | None, ai_b: str | None) -> bool:
    """Two turns say the same words (case, punctuation, spaces and emoji aside). A turn's vector holds
    its speaker's name, which every turn of that user shares, so vector similarity alone would merge
    different short messages ("旅行の思い出 1" / "旅行の思い出 2"); turns are merged only when this holds too."""
    return _words(user_a) == _words(user_b) and _words(ai_a) == _words(ai_b)


def words_key(user_message: str | None, ai_message: str | None) -> int:
    """A signed 64-bit hash of a turn's words as `same_words` compares them: stored with each turn
    (memories.words_key), it lets a save skip the vector search for duplicates of turns whose words
    no stored turn says (memory.dedup). Equal words give equal keys; the rare equal key of different
    words only costs that search. Changing `_words` calls for a migration that recomputes the stored
    keys (as 0006 computed them): a stale key would hide a stored twin from the duplicate check."""
    both = f"{_words(user_message)}\0{_words(ai_message)}".encode()  # \0 is never a word character
    return int.from_bytes(hashlib.blake2b(both, digest_size=8).digest(), "big", signed=True)


def with_context(own: str, previous: list[str], max_chars: int) -> str:
    """Previous turns (oldest first) above the turn's own text; the context is cut from its start so
    the words nearest to this turn stay, and the turn's own text is never cut."""
    context = CONTEXT_SEPARATOR.join(p for p in previous if p)
    if not context or max_chars <= 0:
        return own
    if len(context) > max_chars:
        context = _ELLIPSIS + context[-max_chars:]
    return f"{context}{CONTEXT_SEPARATOR}{own}"
