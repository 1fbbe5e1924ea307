from enum import StrEnum


class LLMHealthResponseBackend(StrEnum):
    LOCAL = "local"
    RAY = "ray"
    UNAVAILABLE = "unavailable"

    def __str__(self) -> str:
        return str(self.value)
