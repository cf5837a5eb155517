"""One set of Hypothesis settings for the addon's property tests, and only for them.

Property tests run inside Odoo's test runner on busy two-core machines: no deadline, no timing
health checks, a fixed seed (a failure reproduces), no example database on disk. Each property
test carries ``@PROPERTY_SETTINGS``; no global profile is loaded, so other addons' tests keep
Hypothesis' own defaults.
"""

from hypothesis import HealthCheck, settings

PROPERTY_SETTINGS = settings(
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
    max_examples=150,
)
