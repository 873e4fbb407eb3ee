"""What a filing takes: one pydantic model per filing (filings), its field types (types) and its
validation errors in Chinese (errors). The registry services take these models; the API, the pages
and the CLI build them. No import of web/ (the layer contracts)."""
