"""One module per concept of the public API; handlers only translate."""
