"""Readers of other systems' exports (Disqus, WordPress, Isso) and of our own."""
