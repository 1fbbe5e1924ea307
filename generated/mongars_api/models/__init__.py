"""Contains all the data models used in inputs/outputs"""

from .approval_response import ApprovalResponse
from .auth_login_response import AuthLoginResponse
from .chat_request import ChatRequest
from .chat_response import ChatResponse
from .http_validation_error import HTTPValidationError
from .llm_health_response import LLMHealthResponse
from .llm_health_response_backend import LLMHealthResponseBackend
from .llm_health_response_status import LLMHealthResponseStatus
from .llm_model_configuration_response import LLMModelConfigurationResponse
from .llm_model_definition_schema import LLMModelDefinitionSchema
from .llm_model_definition_schema_parameters import LLMModelDefinitionSchemaParameters
from .llm_model_profile_summary import LLMModelProfileSummary
from .llm_model_profile_summary_models import LLMModelProfileSummaryModels
from .llm_model_provision_report_response import LLMModelProvisionReportResponse
from .llm_model_provision_request import LLMModelProvisionRequest
from .llm_model_provision_status_response import LLMModelProvisionStatusResponse
from .login_form import LoginForm
from .memory_item import MemoryItem
from .password_change_request import PasswordChangeRequest
from .peer_load_snapshot import PeerLoadSnapshot
from .peer_message import PeerMessage
from .peer_registration import PeerRegistration
from .peer_telemetry_envelope import PeerTelemetryEnvelope
from .peer_telemetry_payload import PeerTelemetryPayload
from .peers_publish_telemetry_response import PeersPublishTelemetryResponse
from .peers_register_response import PeersRegisterResponse
from .peers_send_message_response import PeersSendMessageResponse
from .peers_unregister_response import PeersUnregisterResponse
from .rag_context_request import RagContextRequest
from .rag_context_response import RagContextResponse
from .rag_reference_schema import RagReferenceSchema
from .speech_segment_schema import SpeechSegmentSchema
from .speech_turn_schema import SpeechTurnSchema
from .suggest_request import SuggestRequest
from .suggest_response import SuggestResponse
from .suggest_response_scores import SuggestResponseScores
from .system_healthz_response import SystemHealthzResponse
from .system_ready_response import SystemReadyResponse
from .user_list_response import UserListResponse
from .user_registration import UserRegistration
from .users_change_password_response import UsersChangePasswordResponse
from .users_register_admin_response import UsersRegisterAdminResponse
from .users_register_response import UsersRegisterResponse
from .validation_error import ValidationError
from .ws_ticket_response import WSTicketResponse

__all__ = (
    "ApprovalResponse",
    "AuthLoginResponse",
    "ChatRequest",
    "ChatResponse",
    "HTTPValidationError",
    "LLMHealthResponse",
    "LLMHealthResponseBackend",
    "LLMHealthResponseStatus",
    "LLMModelConfigurationResponse",
    "LLMModelDefinitionSchema",
    "LLMModelDefinitionSchemaParameters",
    "LLMModelProfileSummary",
    "LLMModelProfileSummaryModels",
    "LLMModelProvisionReportResponse",
    "LLMModelProvisionRequest",
    "LLMModelProvisionStatusResponse",
    "LoginForm",
    "MemoryItem",
    "PasswordChangeRequest",
    "PeerLoadSnapshot",
    "PeerMessage",
    "PeerRegistration",
    "PeerTelemetryEnvelope",
    "PeerTelemetryPayload",
    "PeersPublishTelemetryResponse",
    "PeersRegisterResponse",
    "PeersSendMessageResponse",
    "PeersUnregisterResponse",
    "RagContextRequest",
    "RagContextResponse",
    "RagReferenceSchema",
    "SpeechSegmentSchema",
    "SpeechTurnSchema",
    "SuggestRequest",
    "SuggestResponse",
    "SuggestResponseScores",
    "SystemHealthzResponse",
    "SystemReadyResponse",
    "UserListResponse",
    "UserRegistration",
    "UsersChangePasswordResponse",
    "UsersRegisterAdminResponse",
    "UsersRegisterResponse",
    "ValidationError",
    "WSTicketResponse",
)
