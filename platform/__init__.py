"""Domain (aggregates, rules, indicators) and use cases (the application)."""
