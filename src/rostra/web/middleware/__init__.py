"""Pure ASGI middleware (no BaseHTTPMiddleware: it breaks streaming responses such as SSE)."""
