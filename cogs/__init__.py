"""Discord cogs (one package each); they parse, call the bot's services and render.

Each hybrid command's decorator carries `# type: ignore[arg-type]`: discord.py types a command callback
as a union of two `Concatenate` forms (a cog's method, or a plain function), and mypy cannot match a
method against that union (it infers `Never`); pyright accepts it. The callbacks' own types are checked.
"""
