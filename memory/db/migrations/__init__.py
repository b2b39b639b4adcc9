"""Alembic migrations of Omoide's database (the engine's tables and the bot's), shipped in the package:
memory.db.migrate runs them with a configuration built in code, so no alembic.ini is needed.

A schema change is a new file in versions/, from script.py.mako:
    python -c "from alembic import command; from memory.db.migrate import alembic_config; \
               command.revision(alembic_config(), 'what changes', rev_id='0002')"
tests/test_migrations.py fails until the models and the migrations describe the same schema.
"""
