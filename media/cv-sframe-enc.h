#pragma once

#include <gst/base/gstbasetransform.h>

G_BEGIN_DECLS

#define CV_TYPE_SFRAME_ENC (cv_sframe_enc_get_type ())
G_DECLARE_FINAL_TYPE (CvSframeEnc, cv_sframe_enc, CV, SFRAME_ENC, GstBaseTransform)

G_END_DECLS
