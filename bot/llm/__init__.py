"""Language models: an OpenAI-compatible chat-completions client, the memory tools, and the built-in
responder used when no model is configured."""
