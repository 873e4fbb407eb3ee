"""The registry: onehall's records, and the only code that writes the database.

Models live in :mod:`registry.models`, filing services in :mod:`registry.services`,
and :mod:`registry.facts` exports what the rules engine reads, as plain data.
"""
