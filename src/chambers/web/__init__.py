"""The web front end: server-rendered pages and the docassemble-compatible JSON API."""
