"""The app's wiring: settings, create_app(), lifespan, non-GraphQL routes, the CLI."""
