"""REST API routers, one module per area, mounted under /api by the app factory."""
