"""plansearch: measure-level hybrid search over Chinese government plan documents."""

__version__ = "0.1.0"
