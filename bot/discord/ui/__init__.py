"""Discord-facing helpers shared by the cogs: locale, embeds, views, the cog base class."""
