"""``python -m scpo_data`` runs the ``scpo-data`` command line."""

from scpo_data.cli.app import main

main()
