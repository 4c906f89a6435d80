"""One router per resource (search, plans, passages, ask, targets, compare, export, review, health); service/app.py
assembles them. A module's `make_router(settings)` builds its router: parameter length limits come from settings."""
