"""Adapters to outside identity providers (issue 10: OpenID Connect through authlib)."""
