"""Write tool calls over MCP go to the same audit log as the HTTP routes' writes (who, when, what)."""

from __future__ import annotations

import logging
from typing import Any

from bot.api.errors import STATUS_OF
from bot.api.tables import AuditRow
from bot.mcp.caller import Caller
from memory.clock import utcnow

log = logging.getLogger("omoide.mcp")
STATUS_OF_TOOL_ERROR = {**STATUS_OF, "Forbidden": 403, "InternalError": 500}


def _target(result: dict[str, Any]) -> str | None:
    if "deleted_ids" in result:
        return ",".join(result["deleted_ids"])[:2000]
    return result.get("id")


async def record_write(caller: Caller, tool: str, result: dict[str, Any]) -> None:
    status = STATUS_OF_TOOL_ERROR.get(result.get("error_type", ""), 422) if result.get("error") else 200
    try:
        async with caller.store.sessions.begin() as s:
            s.add(AuditRow(at=utcnow(), actor=caller.principal.id, method="MCP", path=f"/mcp/tools/{tool}",
                           status=status, tenant=caller.scope.tenant, target=_target(result),
                           client_ip=caller.client_ip))
    except Exception:  # the audit log must not turn a done write into an error
        log.exception("could not write the audit record for MCP %s", tool)
