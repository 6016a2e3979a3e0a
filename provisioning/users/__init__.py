"""Users: the rules a user must satisfy, creating, updating and deleting them, and one-time
passwords.
"""
