"""SCIM 2.0 service provider rules: users, groups (departments), filters, access and settings."""
