"""Reaching people: invitations, password resets, single-use link tokens, the message outbox
and the communication settings.
"""
