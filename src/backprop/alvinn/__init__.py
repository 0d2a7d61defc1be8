"""An ALVINN-style self-driving simulation (Pomerleau 1989-1993) on the library's Network.

Pieces, each usable alone: :mod:`.road` (curvature-profile roads),
:mod:`.camera` (30x32 ray-cast retina, sensor noise), :mod:`.vehicle`
(kinematic car), :mod:`.driver` (pure-pursuit demonstrator),
:mod:`.encoding` (Gaussian hump output code), :mod:`.replay`
(:class:`ReplayMemory`), :mod:`.augment` (shifted / rotated views with
corrected labels), :mod:`.simulate` (on-the-fly training), :mod:`.dagger`
(DAgger), :mod:`.courses` (held-out course families) and :mod:`.evaluate`
(closed-loop driving with a safety driver).  See ``docs/alvinn.md``.
"""

from .augment import Augmenter, corrected_curvature, perturb_poses, warp_views
from .camera import Camera, RangeFinder, SensorNoise, standardize
from .courses import COURSES, CourseFamily, course_family
from .dagger import train_dagger
from .driver import Demonstrator, pure_pursuit
from .encoding import SteeringCode
from .evaluate import drive, offset_limits
from .replay import ReplayMemory
from .road import TEST_COURSES, Road, RoadSpec, make_road, test_road, training_road
from .simulate import AlvinnConfig, Driver, pass_trainer, train_on_the_fly
from .vehicle import Vehicle

__all__ = ["Augmenter", "corrected_curvature", "perturb_poses", "warp_views", "Camera", "RangeFinder",
           "SensorNoise", "standardize", "COURSES", "CourseFamily", "course_family", "train_dagger",
           "Demonstrator", "pure_pursuit", "SteeringCode", "drive", "offset_limits", "ReplayMemory",
           "TEST_COURSES", "Road", "RoadSpec", "make_road", "test_road", "training_road", "AlvinnConfig",
           "Driver", "pass_trainer", "train_on_the_fly", "Vehicle"]
