#pragma once

#include <gst/base/gstbasetransform.h>

G_BEGIN_DECLS

#define CV_TYPE_SFRAME_DEC (cv_sframe_dec_get_type ())
G_DECLARE_FINAL_TYPE (CvSframeDec, cv_sframe_dec, CV, SFRAME_DEC, GstBaseTransform)

G_END_DECLS
