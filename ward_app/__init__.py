"""ward_app: the ward's baclofen medication record, observations, alerts and printed sheets."""

__version__ = "0.1.0"
