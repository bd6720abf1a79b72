"""Mail: the SMTP sender, the outbox worker and the message templates."""
