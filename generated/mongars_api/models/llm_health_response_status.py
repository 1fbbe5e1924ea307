from enum import StrEnum


class LLMHealthResponseStatus(StrEnum):
    HEALTHY = "healthy"
    UNHEALTHY = "unhealthy"

    def __str__(self) -> str:
        return str(self.value)
