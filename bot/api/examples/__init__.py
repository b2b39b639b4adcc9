"""Request and response examples of every documented route, keyed "METHOD /path" as in the OpenAPI document.

The seeds' own examples (their paths, fields and values), sent to a real server and its answers recorded.
Listed in an order that runs as a story on an empty server (each example refers only to ids an earlier one
made), which is how tests/api/test_api_examples.py replays them against the real app.
"""

from __future__ import annotations

from bot.api.examples import (
    admin,
    admin_ops,
    cocoro,
    emotionmem,
    health,
    livestream,
    mesh,
    mesh_auth,
    resonant,
    resonant_records,
    tools,
)
from bot.api.examples.base import OpExample

__all__ = ["EXAMPLES", "OpExample"]

EXAMPLES: dict[str, OpExample] = {
    **health.EXAMPLES, **emotionmem.EXAMPLES, **livestream.EXAMPLES, **cocoro.EXAMPLES, **mesh_auth.EXAMPLES,
    **mesh.EXAMPLES, **tools.EXAMPLES, **admin.EXAMPLES, **admin_ops.EXAMPLES, **resonant.EXAMPLES,
    **resonant_records.EXAMPLES,
}
# deleting the account ends the story: every example before it may use that user, its tenant and its token
EXAMPLES["DELETE /v1/auth/me"] = EXAMPLES.pop("DELETE /v1/auth/me")
