"""Held-out course families: the roads and sensor conditions a trained network is tested on.

Training always uses the gentle roads (seeds 100 + k).  ``gentle`` courses are
drawn the same way (R1.2 of the research note).  ``hard`` courses ask for
recovery: sharper curves (radius 22-35 m against 25-80 m, the steering limit
being 20 m) after short straights and 10 m ramps, so curves come as S-bends;
a 3.5 m lane (in lane means |e| < 0.75 m); a lane change on every straight
(the lane moves 3.5 m sideways over 30 m); and a noisier sensor in changing
light (pixel noise SD 0.05 and a drifting left-right brightness slope of SD 0.2,
:class:`.camera.SensorNoise`).  The demonstrator alone drives them with mean
|e| about 0.17 m (0.06 m on gentle ones), always in lane.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .._errors import check_choice
from .camera import SensorNoise
from .road import Road, RoadSpec, test_road

__all__ = ["CourseFamily", "COURSES", "course_family"]


@dataclass(frozen=True)
class CourseFamily:
    """Held-out roads of one kind (seeds ``seeds``, 1.5 km each) and the sensor conditions on them."""

    name: str
    road: RoadSpec = field(default_factory=RoadSpec)
    seeds: tuple[int, ...] = (7, 8, 9)
    noise_sd: float = 0.0
    slope_sd: float = 0.0

    def road_for(self, seed: int, length: float = 1500.0) -> Road:
        """Course ``seed`` of this family: ``length`` metres plus a look-ahead margin."""
        return test_road(seed, length, spec=self.road)

    def sensor(self, seed: int) -> SensorNoise | None:
        """The sensor disturbance on course ``seed`` (seeded by it), or None for a clean sensor."""
        if self.noise_sd == 0 and self.slope_sd == 0:
            return None
        return SensorNoise(self.noise_sd, slope_sd=self.slope_sd, random_state=[int(seed), 5])


COURSES = {
    "gentle": CourseFamily("gentle"),
    "hard": CourseFamily("hard", RoadSpec(straight=(10.0, 40.0), ramp=10.0, radius=(22.0, 35.0),
                                          arc=(20.0, 60.0), lane_width=3.5, lane_change=3.5,
                                          lane_change_length=30.0),
                         noise_sd=0.05, slope_sd=0.2),
}


def course_family(name: str) -> CourseFamily:
    """The family called ``name`` ("gentle" or "hard")."""
    check_choice("course family", name, COURSES)
    return COURSES[name]
