"""Bulk import: the template, reading a file into rows, the jobs that import them, and how long
files are kept.
"""
