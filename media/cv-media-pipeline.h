#pragma once

#include <gio/gio.h>
#include <gst/gst.h>

#include "cv-frame-auth.h"
#include "cv-frame-keys.h"
#include "cv-media-devices.h"

G_BEGIN_DECLS

#define CV_TYPE_MEDIA_PIPELINE (cv_media_pipeline_get_type ())
G_DECLARE_FINAL_TYPE (CvMediaPipeline, cv_media_pipeline, CV, MEDIA_PIPELINE, GObject)

typedef enum {
  CV_MEDIA_PIPELINE_STOPPED,
  CV_MEDIA_PIPELINE_RUNNING,
  CV_MEDIA_PIPELINE_FAILED,
} CvMediaPipelineState;

/* Stream slots within the SSRC block the relay hands out (docs/protocol.md). */
#define CV_MEDIA_SLOT_AUDIO 0
#define CV_MEDIA_SLOT_VIDEO 1
/* SFrame contexts of our outgoing streams. */
#define CV_MEDIA_CONTEXT_AUDIO 0
#define CV_MEDIA_CONTEXT_VIDEO 1

#define CV_MEDIA_PT_VIDEO 96
#define CV_MEDIA_PT_AUDIO 111

CvMediaPipeline     *cv_media_pipeline_new               (CvFrameKeys      *keys);

/* What we send. label is drawn on test video (the participant's name);
 * camera and microphone names as CvMediaDevices lists them, NULL for the
 * first device, or test media when there is none. */
void                 cv_media_pipeline_set_local_media   (CvMediaPipeline  *self,
                                                          gboolean          send_video,
                                                          gboolean          send_audio,
                                                          const char       *camera,
                                                          const char       *microphone,
                                                          const char       *label);
/* Forces test sources even when devices exist (bots, tests). */
void                 cv_media_pipeline_set_test_media    (CvMediaPipeline  *self,
                                                          gboolean          test_media);

/* The hop to the relay: its address, the SRTP profile name
 * ("AEAD_AES_128_GCM" or "AES_CM_128_HMAC_SHA1_80"), the key material laid
 * out as the relay hands it (client key | server key | client salt | server
 * salt) and our SSRC base. */
gboolean             cv_media_pipeline_set_transport     (CvMediaPipeline  *self,
                                                          const char       *relay_host,
                                                          guint16           relay_port,
                                                          const char       *srtp_profile,
                                                          GBytes           *key_material,
                                                          guint32           ssrc_base,
                                                          GError          **error);

gboolean             cv_media_pipeline_start             (CvMediaPipeline  *self,
                                                          GError          **error);
void                 cv_media_pipeline_stop              (CvMediaPipeline  *self);
CvMediaPipelineState cv_media_pipeline_get_state         (CvMediaPipeline  *self);

guint32              cv_media_pipeline_get_ssrc          (CvMediaPipeline  *self,
                                                          CvMediaKind       kind);
/* CvRemoteStream items, one per stream received, in arrival order. */
GListModel          *cv_media_pipeline_get_remote_streams (CvMediaPipeline *self);
/* Whether the local sources are test media (no device found, or forced). */
gboolean             cv_media_pipeline_is_test_media     (CvMediaPipeline  *self);
/* Signs what we send and checks what others send (per-sender
 * authenticity, docs/media-authenticity.md); applies to the streams that
 * exist and those to come. */
void                 cv_media_pipeline_set_auth          (CvMediaPipeline  *self,
                                                          CvFrameAuth      *auth);
/* Asks our video encoder for a keyframe (a new epoch, a new subscriber). */
void                 cv_media_pipeline_request_keyframe  (CvMediaPipeline  *self);

G_END_DECLS
