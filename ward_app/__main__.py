"""Run the command line with ``python -m ward_app``."""

from ward_app.cli import main

main()
