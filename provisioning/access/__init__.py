"""Who may do what: principals, roles and scopes, and the secrets that prove them (password
hashes, sealed client secrets).
"""
