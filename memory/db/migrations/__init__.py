"""Alembic migrations of Omoide's database (the engine's tables and the bot's), shipped in the package:
memory.db.migrate runs them with a configuration built in code, so no alembic.ini is needed."""
