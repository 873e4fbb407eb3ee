"""HTTP API v1 (docs/design.md §8): schemas validate requests and generate the OpenAPI document."""
