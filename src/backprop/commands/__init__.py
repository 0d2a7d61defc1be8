"""Subcommands of the ``backprop`` command line (see :mod:`backprop.cli`)."""
