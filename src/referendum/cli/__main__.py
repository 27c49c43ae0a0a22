"""``python -m referendum.cli``: the same as the ``referendum`` command."""

from referendum.cli.main import main

main()
