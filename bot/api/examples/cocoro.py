"""CocoroCore2 (seed 001): characters and their memory cubes.

Requests and answers recorded from a real server; ids, keys and times made stable.
"""

from bot.api.examples.base import OpExample

EXAMPLES: dict[str, OpExample] = {
    "GET /api/memory/characters": OpExample(
        summary="The characters (personas) and whether they have memories",
        response={
            "status": "success",
            "message": "キャラクター一覧を取得しました",
            "data": [
                {"memory_id": "cocoro", "memory_name": "ココロ", "role": "character", "created": False},
                {"memory_id": "listy", "memory_name": "リスティー", "role": "character", "created": False},
                {"memory_id": "nova", "memory_name": "Nova", "role": "character", "created": False},
            ],
        },
    ),
    "GET /api/memory/character/{memory_id}/stats": OpExample(
        summary="Memory counts of listy's cube",
        params={"memory_id": "listy"},
        response={
            "memory_id": "listy", "total_memories": 1, "text_memories": 1, "activation_memories": 0,
            "parametric_memories": 0, "last_updated": "2025-11-17T10:00:00Z", "cube_id": "user_user_listy_cube",
            "timestamp": "2025-11-17T10:00:00Z",
        },
    ),
    "DELETE /api/memory/character/{memory_id}/all": OpExample(
        summary="Forget everything listy remembers",
        params={"memory_id": "listy"},
        response={
            "status": "success",
            "message": "記憶を削除しました",
            "deleted_count": 1,
            "details": {"text_memories": 1, "activation_memories": 0, "parametric_memories": 0},
            "timestamp": "2025-11-17T10:00:02Z",
        },
    ),
}
