"""Money: units, costs per answer, budgets, balance readings, the usage-log sync and export."""
