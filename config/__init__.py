"""Settings: the leaf every layer may read (read from the environment, checked at start)."""
