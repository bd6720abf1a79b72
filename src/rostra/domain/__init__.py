"""Rules and types of Rostra. Pure: no I/O, no framework, no database driver."""
