"""The HTTP adapter: Litestar app, JSON API, SSE, pages and the widget's files."""
