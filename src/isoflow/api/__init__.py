"""REST API (/api/v1), OpenAPI at /docs."""
