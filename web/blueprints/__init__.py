"""One blueprint per area of the application."""
