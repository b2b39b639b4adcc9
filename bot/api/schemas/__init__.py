"""Pydantic models per family: they validate requests and generate the OpenAPI document."""
