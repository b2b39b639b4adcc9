"""Storage behind the memory engine: the interface (memory.store.base) and its implementations."""
