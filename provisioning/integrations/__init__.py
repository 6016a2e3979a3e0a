"""Integrations (CRM, telephony, directories) and their accounts: matching, linking, backfill."""
