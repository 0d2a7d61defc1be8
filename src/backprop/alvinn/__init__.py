"""An ALVINN-style self-driving simulation (Pomerleau 1989-1993) on the library's Network.

Pieces, each usable alone: :mod:`.road` (curvature-profile roads),
:mod:`.camera` (30x32 ray-cast retina), :mod:`.vehicle` (kinematic car),
:mod:`.driver` (pure-pursuit demonstrator), :mod:`.encoding` (Gaussian hump
output code), :mod:`.replay` (:class:`ReplayMemory`), :mod:`.augment`
(shifted / rotated views with corrected labels) and :mod:`.simulate`
(on-the-fly training and closed-loop evaluation).  See ``docs/alvinn.md``.
"""

from .augment import Augmenter, corrected_curvature, perturb_poses, warp_views
from .camera import Camera, RangeFinder, standardize
from .driver import Demonstrator, pure_pursuit
from .encoding import SteeringCode
from .replay import ReplayMemory
from .road import TEST_COURSES, Road, make_road, test_road, training_road
from .simulate import AlvinnConfig, Driver, drive, pass_trainer, train_on_the_fly
from .vehicle import Vehicle

__all__ = ["Augmenter", "corrected_curvature", "perturb_poses", "warp_views", "Camera", "RangeFinder",
           "standardize", "Demonstrator", "pure_pursuit", "SteeringCode", "ReplayMemory",
           "TEST_COURSES", "Road", "make_road", "test_road", "training_road", "AlvinnConfig", "Driver",
           "drive", "pass_trainer", "train_on_the_fly", "Vehicle"]
