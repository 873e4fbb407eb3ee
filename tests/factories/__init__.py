"""Helpers and fixtures the tests share (a test module never imports another test module)."""
