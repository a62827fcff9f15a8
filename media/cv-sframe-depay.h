#pragma once

#include <gst/rtp/gstrtpbasedepayload.h>

G_BEGIN_DECLS

#define CV_TYPE_SFRAME_DEPAY (cv_sframe_depay_get_type ())
G_DECLARE_FINAL_TYPE (CvSframeDepay, cv_sframe_depay, CV, SFRAME_DEPAY, GstRTPBaseDepayload)

G_END_DECLS
