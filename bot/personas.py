"""VTuber persona "cubes": one TOML file each in config/personas/, each with its own memory cube.

A persona's memories live in the cube `user_user_{memory_id}_cube` (the CocoroCore2 naming), so two
personas never see each other's memories. Files are validated at start; an error names the file and the
field to fix.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.llm.lines import PLACEHOLDERS, check_line
from memory.emotions.labels import EMOTIONS

BUILTIN_DIR = Path(__file__).resolve().parent.parent / "config" / "personas"
MEMORY_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
EXPRESSION = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


class PersonaError(ValueError):
    """A persona file is missing, unreadable or invalid; the message names the file and the field."""


def cube_for(memory_id: str) -> str:
    return f"user_user_{memory_id}_cube"


class Style(BaseModel):
    """The persona's voice for the built-in companion (used when no language model answers): how it says
    "I", the catchphrases it sometimes adds, and any of the companion's lines in its own words
    (`phrases`: a key of config/companion/<language>.toml [lines] -> one or more lines). Used when it
    replies in its own language; in the other language the shared lines speak for it."""

    model_config = ConfigDict(extra="forbid")
    tone: str = Field("", max_length=200)
    first_person: str = Field("", max_length=20)
    catchphrases: list[str] = Field(default_factory=list, max_length=20)
    phrases: dict[str, list[str]] = Field(default_factory=dict)
    no_llm_note: str | None = Field(None, min_length=1, max_length=300)  # same as phrases.no_llm_note
    # the previous responder's memory-list templates: still accepted so older persona files load, unused
    recall_intro: str | None = Field(None, max_length=300)
    memory_line: str | None = Field(None, max_length=300)
    no_memory: str | None = Field(None, max_length=300)

    @field_validator("catchphrases")
    @classmethod
    def _short_catchphrases(cls, value: list[str]) -> list[str]:
        if any(not p.strip() or len(p) > 120 for p in value):
            raise ValueError("each catchphrase must be 1-120 characters")
        return value

    @field_validator("phrases")
    @classmethod
    def _known_phrases(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for key, lines in value.items():
            if key not in PLACEHOLDERS:
                raise ValueError(f"unknown phrase {key!r}; known: {', '.join(sorted(PLACEHOLDERS))}")
            if not lines or any(not line.strip() or len(line) > 300 for line in lines):
                raise ValueError(f"{key}: give 1 or more lines of 1-300 characters")
            for line in lines:
                try:
                    check_line(key, line, PLACEHOLDERS[key])
                except ValueError as exc:
                    raise ValueError(f"bad template ({exc}); write {{{{ and }}}} for literal braces") from None
        return value

    @model_validator(mode="after")
    def _note_is_a_phrase(self) -> Style:
        if self.no_llm_note and "no_llm_note" not in self.phrases:
            self.phrases["no_llm_note"] = [self.no_llm_note]
        return self


class PersonaFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    memory_id: str
    display_name: str = Field(min_length=1, max_length=64)
    language: Literal["ja", "en"]
    description: str = Field("", max_length=300)
    system_prompt: str = Field(min_length=1, max_length=8000)
    style: Style
    expressions: dict[str, str] = Field(default_factory=dict)  # emotion key (or "neutral") -> expression name

    @field_validator("expressions")
    @classmethod
    def _known_emotions(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - {*EMOTIONS, "neutral"})
        if unknown:
            raise ValueError(f"unknown emotion(s) {unknown}; known: {', '.join(EMOTIONS)}, neutral")
        bad = sorted(name for name in value.values() if not EXPRESSION.match(name))
        if bad:
            raise ValueError(f"expression names must be 1-32 letters, digits, '_' or '-' (got {bad})")
        return value

    # this persona's own model (SillyTavern-style per-character models); unset ones fall back to LLM_*
    llm_base_url: str | None = Field(None, max_length=500)
    llm_model: str | None = Field(None, min_length=1, max_length=200)
    llm_api_key_env: str | None = Field(None, pattern=r"^[A-Z_][A-Z0-9_]*$")  # the NAME of an env variable
    temperature: float | None = Field(None, ge=0.0, le=2.0)

    @field_validator("llm_base_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https:// (e.g. http://127.0.0.1:11434/v1)")
        return value

    @model_validator(mode="after")
    def _url_needs_a_model(self) -> PersonaFile:
        if self.llm_base_url and not self.llm_model:
            raise ValueError("llm_model is required with llm_base_url (the name that server knows)")
        return self

    @field_validator("memory_id")
    @classmethod
    def _memory_id_shape(cls, value: str) -> str:
        if not MEMORY_ID.match(value):
            raise ValueError("memory_id must be 1-32 lowercase letters, digits, '_' or '-' (e.g. 'cocoro')")
        return value


@dataclass(frozen=True, slots=True)
class Persona:
    memory_id: str
    display_name: str
    language: Literal["ja", "en"]
    description: str
    system_prompt: str
    style: Style
    source: str
    expressions: tuple[tuple[str, str], ...] = ()  # the file's [expressions] table (see bot.livestream.expressions)
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key_env: str | None = None
    temperature: float | None = None

    @property
    def own_model(self) -> bool:
        """Whether the persona names a model setting of its own (else LLM_* answer for it)."""
        return bool(self.llm_base_url or self.llm_model or self.temperature is not None)

    @property
    def cube(self) -> str:
        return cube_for(self.memory_id)


def load_persona(path: Path) -> Persona:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise PersonaError(f"{path}: cannot read ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise PersonaError(f"{path}: not valid TOML ({exc})") from None
    try:
        doc = PersonaFile.model_validate(raw)
    except ValidationError as exc:
        lines = [f"  {'.'.join(str(p) for p in err['loc']) or 'file'}: {err['msg']}" for err in exc.errors()]
        raise PersonaError(f"{path}: invalid persona\n" + "\n".join(lines)) from None
    return Persona(doc.memory_id, doc.display_name, doc.language, doc.description, doc.system_prompt.strip(),
                   doc.style, path.name, tuple(sorted(doc.expressions.items())), llm_base_url=doc.llm_base_url,
                   llm_model=doc.llm_model, llm_api_key_env=doc.llm_api_key_env, temperature=doc.temperature)


class PersonaRegistry:
    """Every persona by memory_id; `find` also accepts the display name, case-insensitively."""

    def __init__(self, personas: list[Persona], default_id: str) -> None:
        self._by_id: dict[str, Persona] = {}
        for p in personas:
            if p.memory_id in self._by_id:
                raise PersonaError(f"memory_id {p.memory_id!r} is used by both {self._by_id[p.memory_id].source} "
                                   f"and {p.source}; each persona needs its own")
            self._by_id[p.memory_id] = p
        if not self._by_id:
            raise PersonaError("no persona files found; add one (see config/personas/cocoro.toml)")
        if default_id not in self._by_id:
            raise PersonaError(f"DEFAULT_PERSONA {default_id!r} matches no persona file "
                               f"(known: {', '.join(sorted(self._by_id))})")
        self.default = self._by_id[default_id]

    @classmethod
    def load(cls, folder: Path | None, default_id: str) -> PersonaRegistry:
        folder = folder or BUILTIN_DIR
        if not folder.is_dir():
            raise PersonaError(f"PERSONAS_DIR {folder} is not a folder")
        return cls([load_persona(p) for p in sorted(folder.glob("*.toml"))], default_id)

    def all(self) -> list[Persona]:
        return sorted(self._by_id.values(), key=lambda p: p.memory_id)

    def get(self, memory_id: str) -> Persona | None:
        return self._by_id.get(memory_id)

    def find(self, name: str) -> Persona | None:
        key = name.strip().casefold()
        if key in self._by_id:
            return self._by_id[key]
        return next((p for p in self._by_id.values() if p.display_name.casefold() == key), None)

    def names(self) -> list[str]:
        return [p.memory_id for p in self.all()]
