"""``python -m rostra`` runs the command line."""

from rostra.cli import main

main()
