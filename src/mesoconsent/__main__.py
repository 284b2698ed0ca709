"""``python -m mesoconsent`` is the ``mesoconsent`` command."""

from mesoconsent.cli import command

command()
