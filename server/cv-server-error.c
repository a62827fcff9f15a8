#include "cv-server-error.h"

G_DEFINE_QUARK (cv-server-error-quark, cv_server_error)

const char *
cv_server_error_code_name (CvServerError code)
{
  switch (code)
    {
    case CV_SERVER_ERROR_BAD_REQUEST: return "bad-request";
    case CV_SERVER_ERROR_BAD_BASE64: return "bad-base64";
    case CV_SERVER_ERROR_BAD_MLS_MESSAGE: return "bad-mls-message";
    case CV_SERVER_ERROR_TOO_LARGE: return "too-large";
    case CV_SERVER_ERROR_UNKNOWN_TYPE: return "unknown-type";
    case CV_SERVER_ERROR_RATE_LIMITED: return "rate-limited";
    case CV_SERVER_ERROR_NOT_JOINED: return "not-joined";
    case CV_SERVER_ERROR_ALREADY_JOINED: return "already-joined";
    case CV_SERVER_ERROR_NO_SUCH_MEETING: return "no-such-meeting";
    case CV_SERVER_ERROR_PASSWORD_REQUIRED: return "password-required";
    case CV_SERVER_ERROR_WRONG_PASSWORD: return "wrong-password";
    case CV_SERVER_ERROR_MEETING_FULL: return "meeting-full";
    case CV_SERVER_ERROR_DEVICE_LIMIT: return "device-limit";
    case CV_SERVER_ERROR_E2EE_UNSUPPORTED: return "e2ee-unsupported";
    case CV_SERVER_ERROR_KIND_REFUSED: return "kind-refused";
    case CV_SERVER_ERROR_FEATURE_REFUSED: return "feature-refused";
    case CV_SERVER_ERROR_FEATURE_UNAVAILABLE: return "feature-unavailable";
    case CV_SERVER_ERROR_VIDEO_DISABLED_BY_SITE: return "video-disabled-by-site";
    case CV_SERVER_ERROR_E2EE_DISABLED_BY_SITE: return "e2ee-disabled-by-site";
    case CV_SERVER_ERROR_KEY_PACKAGE_REQUIRED: return "key-package-required";
    case CV_SERVER_ERROR_NOT_E2EE: return "not-e2ee";
    case CV_SERVER_ERROR_E2EE_REQUIRED: return "e2ee-required";
    case CV_SERVER_ERROR_NOT_A_MEMBER: return "not-a-member";
    case CV_SERVER_ERROR_STALE_EPOCH: return "stale-epoch";
    case CV_SERVER_ERROR_FUTURE_EPOCH: return "future-epoch";
    case CV_SERVER_ERROR_WRONG_GROUP: return "wrong-group";
    case CV_SERVER_ERROR_BACKLOG_TRUNCATED: return "backlog-truncated";
    case CV_SERVER_ERROR_SIGN_IN_REQUIRED: return "sign-in-required";
    case CV_SERVER_ERROR_SIGN_IN_FAILED: return "sign-in-failed";
    case CV_SERVER_ERROR_BAD_CSR: return "bad-csr";
    case CV_SERVER_ERROR_MEDIA_UNAVAILABLE: return "media-unavailable";
    case CV_SERVER_ERROR_INTERNAL: return "internal";
    }
  return "internal";
}
