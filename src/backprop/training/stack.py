"""Where :class:`backprop.NetworkStack` used to live; it is now :mod:`backprop.stack`, beside the network."""

from ..stack import NetworkStack

__all__ = ["NetworkStack"]
