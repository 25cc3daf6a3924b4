"""Image upload checks live in ``magazine.validators`` (shared by every app); this module keeps
the name importable for the early migrations that refer to it by this path."""

from magazine.validators import validate_image_file

__all__ = ["validate_image_file"]
