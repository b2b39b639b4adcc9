"""The web console at /console: operators browse and edit a persona's memories with their API key, and every
user opens a signed, short-lived link to see and delete what is kept about them (`mydata`).

Server-rendered (Jinja2), one small script for progressive enhancement, no external request.
"""
