"""HTTP and the command line: the Flask app factory, API v1, the Chinese pages, the CLI.

The work they call is in application/ (which imports nothing of web/).
"""
