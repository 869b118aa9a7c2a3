"""postlens: understand social-media pictures and the people who post them."""

__version__ = "0.1.0"
