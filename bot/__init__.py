"""The Omoide bot process: wires the memory engine, the side API and the Discord client."""
