"""scpo-data: self-consistency preference datasets for reasoning models."""

__version__ = "0.1.0"
