"""Discord cogs (one package each); they parse, call the bot's services and render."""
