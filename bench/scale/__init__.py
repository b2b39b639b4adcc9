"""`make bench-scale`: the two stores at scale and the API with several workers (see __main__)."""
