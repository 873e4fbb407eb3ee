"""HTTP API v1 (DESIGN §8): schemas validate requests and generate the OpenAPI document."""
