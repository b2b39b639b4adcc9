"""`make bench-peers`: Omoide side by side with the stores users would pick instead (issue 19).

Kept import-light: the peers' worker runs from this package in its own virtualenv, which has neither
Omoide's dependencies nor Omoide.
"""
