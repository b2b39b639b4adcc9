"""Settings and persona files."""

from config.settings import DEFAULT_EMBEDDING_MODEL, Settings, SettingsError, load_settings

__all__ = ["DEFAULT_EMBEDDING_MODEL", "Settings", "SettingsError", "load_settings"]
