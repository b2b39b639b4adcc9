"""Authentication: API keys (hashed, scoped, expiring), Memory Mesh users with JWTs, and who may see what."""
