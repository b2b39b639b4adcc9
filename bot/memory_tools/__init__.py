"""The six Memory Tools of seed 003, defined once: their parameters, results, descriptions and the code
that runs them in a caller's scope. The LLM function calling, the HTTP routes `/v1/tools` and the MCP
server all use this package."""
