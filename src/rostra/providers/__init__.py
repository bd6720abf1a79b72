"""Adapters to outside identity providers (OpenID Connect through authlib)."""
