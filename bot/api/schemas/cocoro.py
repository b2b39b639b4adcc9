"""CocoroCore2 (seed 001): characters are persona cubes `user_user_{memory_id}_cube`."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from memory.clock import utcnow


class CharacterMemoryInfo(BaseModel):
    memory_id: str = Field(description="The character's memoryId")
    memory_name: str = Field(description="Display name (persona file), else the capitalised memory_id")
    role: str = "character"
    created: bool = Field(True, description="Whether the character's cube exists yet")


class CharacterListResponse(BaseModel):
    status: str = "success"
    message: str = "キャラクター一覧を取得しました"
    data: list[CharacterMemoryInfo] = Field(default_factory=list)


class CharacterMemoryStatsResponse(BaseModel):
    memory_id: str
    total_memories: int = 0
    text_memories: int = Field(0, description="long_term + short_term memories")
    activation_memories: int = Field(0, description="working-tier memories (active session context)")
    parametric_memories: int = Field(0, description="always 0: Omoide never changes model weights")
    last_updated: datetime | None = None
    cube_id: str = ""
    timestamp: datetime = Field(default_factory=utcnow)


class MemoryDeleteDetails(BaseModel):
    text_memories: int = 0
    activation_memories: int = 0
    parametric_memories: int = 0


class CharacterMemoryDeleteResponse(BaseModel):
    status: str = "success"
    message: str = "記憶を削除しました"
    deleted_count: int = 0
    details: MemoryDeleteDetails = Field(default_factory=MemoryDeleteDetails)
    timestamp: datetime = Field(default_factory=utcnow)
