"""The side API (aiohttp): an app factory the bot process serves beside the Discord client."""
