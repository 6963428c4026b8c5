"""Web application: blueprints, templates, static files, CLI."""
