"""One module per API family; each has `setup(app)` that registers its routes."""
