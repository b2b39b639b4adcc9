"""The Discord adapter: the client, its UI kit, passive learning, charts, locale and the memory desk."""
