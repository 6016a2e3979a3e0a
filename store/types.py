from typing import Any

Document = dict[str, Any]
