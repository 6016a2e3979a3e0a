from typing import Any

Document = dict[str, Any]
# MongoDB's error code for a write a unique index refused (in a bulk write's writeErrors).
DUPLICATE_KEY = 11000
