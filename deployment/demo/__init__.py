"""The main job (``./bondline demo``): the protocol's whole life on a local Anvil, driven
by the real keeper daemon. See :mod:`deployment.demo.runner`."""
