"""Where :class:`backprop.NetworkStack` used to live (now :mod:`backprop.stack`, beside the network)."""

from ..stack import NetworkStack

__all__ = ["NetworkStack"]
