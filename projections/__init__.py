"""Read models built only from events; reports and exports."""
