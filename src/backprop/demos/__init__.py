"""One-command demonstrations: ``backprop demo NAME``.  Each module defines
``add_arguments(parser)`` and ``run(args) -> int``; ``DEMOS`` maps names to modules."""

DEMOS = {
    "xor": "backprop.demos.xor",
    "alvinn": "backprop.demos.alvinn",
}
