"""``python -m oracle`` runs the ``oracle`` command line (see ``oracle --help``)."""

from oracle.cli import main

if __name__ == "__main__":
    main()
