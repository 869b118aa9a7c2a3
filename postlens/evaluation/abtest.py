"""A/B test reports: per-arm rates with confidence intervals (arms are assigned by
``postlens.recommend.experiments``).

Rates get Wilson 95% intervals; each arm is compared with the first (control) by a
two-proportion z-test.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from scipy.stats import norm
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from postlens.products.ads import AD_ARMS, AD_EXPERIMENT
from postlens.store.schema import AdImpression, Feedback, Recommendation


def wilson_interval(successes: int, trials: int, z: float = 1.959964) -> tuple[float, float]:
    if trials == 0:
        return (0.0, 0.0)
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return (max(0.0, centre - half), min(1.0, centre + half))


def two_proportion_p_value(s1: int, n1: int, s2: int, n2: int) -> float:
    """Two-sided p-value of H0: both arms have the same rate."""
    if n1 == 0 or n2 == 0:
        return 1.0
    pooled = (s1 + s2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return 1.0
    z = (s1 / n1 - s2 / n2) / se
    return float(2 * norm.sf(abs(z)))


@dataclass
class ArmReport:
    arm: str
    impressions: int
    clicks: int
    likes: int
    dislikes: int

    def rates(self, control: ArmReport | None) -> dict[str, Any]:
        body: dict[str, Any] = {"arm": self.arm, "impressions": self.impressions,
                                "clicks": self.clicks, "likes": self.likes,
                                "dislikes": self.dislikes}
        for name, count in (("ctr", self.clicks), ("like_rate", self.likes)):
            body[name] = count / self.impressions if self.impressions else 0.0
            body[f"{name}_ci95"] = wilson_interval(count, self.impressions)
            if control is not None and control is not self:
                body[f"{name}_p_value"] = two_proportion_p_value(
                    count, self.impressions, getattr(control, name_map[name]),
                    control.impressions)
        return body


name_map = {"ctr": "clicks", "like_rate": "likes"}


def experiment_report(session: Session, experiment: str, arms: Sequence[str] | None = None
                      ) -> list[dict[str, Any]]:
    """Per arm of a feed experiment, or of the ads experiment (``ads``: clicks on ads shown,
    dismissals counted as dislikes)."""
    if experiment == AD_EXPERIMENT:
        return ad_report(session, arms)
    impressions = dict(session.execute(
        select(Recommendation.arm, func.count()).where(Recommendation.experiment == experiment)
        .group_by(Recommendation.arm)).all())
    reactions = session.execute(
        select(Recommendation.arm, Feedback.kind, func.count())
        .join(Feedback, Feedback.recommendation_id == Recommendation.id)
        .where(Recommendation.experiment == experiment)
        .group_by(Recommendation.arm, Feedback.kind)).all()
    counts = {(str(arm), str(kind)): int(n) for arm, kind, n in reactions}
    names = list(arms) if arms else sorted(a for a in impressions if a is not None)
    reports = [ArmReport(arm, impressions.get(arm, 0), counts.get((arm, "click"), 0),
                         counts.get((arm, "like"), 0), counts.get((arm, "dislike"), 0))
               for arm in names]
    control = reports[0] if reports else None
    return [r.rates(control) for r in reports]


def ad_report(session: Session, arms: Sequence[str] | None = None) -> list[dict[str, Any]]:
    rows = session.execute(
        select(AdImpression.arm, func.count(), func.count(AdImpression.clicked_at),
               func.count(AdImpression.dismissed_at))
        .where(AdImpression.experiment == AD_EXPERIMENT).group_by(AdImpression.arm)).all()
    counts = {str(arm): (int(n), int(c), int(d)) for arm, n, c, d in rows if arm is not None}
    names = list(arms) if arms else [a for a in AD_ARMS if a in counts] + sorted(
        a for a in counts if a not in AD_ARMS)
    reports = [ArmReport(arm, *counts.get(arm, (0, 0, 0))[:2], 0, counts.get(arm, (0, 0, 0))[2])
               for arm in names]
    control = reports[0] if reports else None
    return [r.rates(control) for r in reports]
