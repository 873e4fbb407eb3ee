"""The application layer: Flask app factory, API and pages, CLI, scheduler.

It glues registry facts to the rules engine and filings to the signed log.
"""
