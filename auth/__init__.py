"""Who is calling: sessions, CSRF, the Principal and permission checks."""
