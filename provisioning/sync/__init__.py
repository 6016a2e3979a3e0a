"""Directory sync (inbound) and outbound provisioning over SCIM 2.0."""
