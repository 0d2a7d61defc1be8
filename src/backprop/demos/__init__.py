"""One-command demonstrations: ``backprop demo NAME``.  Each module defines
``add_arguments(parser)`` and ``run(args) -> int``; ``DEMOS`` maps names to modules."""

DEMOS = {
    "xor": "backprop.demos.xor",
    "alvinn": "backprop.demos.alvinn",
    "pima": "backprop.demos.pima",
    "breast-cancer": "backprop.demos.breast_cancer",
    "digits": "backprop.demos.digits",
}
