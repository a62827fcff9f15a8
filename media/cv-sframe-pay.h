#pragma once

#include <gst/rtp/gstrtpbasepayload.h>

G_BEGIN_DECLS

#define CV_TYPE_SFRAME_PAY (cv_sframe_pay_get_type ())
G_DECLARE_FINAL_TYPE (CvSframePay, cv_sframe_pay, CV, SFRAME_PAY, GstRTPBasePayload)

/* RTP header extension ids the relay reads (docs/protocol.md). */
#define CV_RTP_EXT_AUDIO_LEVEL 1 /* RFC 6464 */
#define CV_RTP_EXT_KEYFRAME 2    /* 1 byte, bit 0: first packet of a keyframe */

/* The one-byte payload descriptor in front of every fragment. */
#define CV_SFRAME_PAY_START 0x80    /* first fragment of a frame */
#define CV_SFRAME_PAY_END 0x40      /* last fragment of a frame */
#define CV_SFRAME_PAY_KEYFRAME 0x20 /* the frame is a keyframe */

G_END_DECLS
