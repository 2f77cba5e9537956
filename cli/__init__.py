"""The ``scpo-data`` command line (Typer), one module per command group."""
