"""Single sign-on: identity providers, a login finding or creating its user, and invitations
that lead to a provider.
"""
