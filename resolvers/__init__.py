"""Thin resolvers: read the context, call provisioning, map results to schema types."""
