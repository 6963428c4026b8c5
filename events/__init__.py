"""Relocation facts: the event classes, their schema versions and upcasters."""
