#pragma once

#include <gio/gio.h>
#include <gst/gst.h>

#include "cv-frame-auth.h"
#include "cv-frame-keys.h"
#include "cv-media-devices.h"
#include "cv-remote-stream.h"

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
#define CV_MEDIA_SLOT_RTCP 3  /* sender SSRC of our receiver reports and feedback */
/* SFrame contexts of our outgoing streams. */
#define CV_MEDIA_CONTEXT_AUDIO 0
#define CV_MEDIA_CONTEXT_VIDEO 1

#define CV_MEDIA_PT_VIDEO 96
#define CV_MEDIA_PT_AUDIO 111
/* Standard (not end-to-end encrypted) meetings: the same framing without
 * SFrame, under payload types of its own (docs/protocol.md). */
#define CV_MEDIA_PT_VIDEO_PLAIN 97
#define CV_MEDIA_PT_AUDIO_PLAIN 112

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
/* End-to-end encryption of media, TRUE unless told (before start only).
 * FALSE in a standard meeting: frames go without SFrame, readable by the
 * relay, under the plain payload types. An E2EE pipeline never sends plain
 * frames and never plays a plain stream it receives; a frame it cannot
 * encrypt for want of keys is dropped. */
void                 cv_media_pipeline_set_e2ee          (CvMediaPipeline  *self,
                                                          gboolean          e2ee);
gboolean             cv_media_pipeline_get_e2ee          (CvMediaPipeline  *self);
/* Muted audio sends nothing (not silence: even encrypted, the size and
 * rate of frames would follow speech); the microphone stays open. Any time. */
void                 cv_media_pipeline_set_audio_muted   (CvMediaPipeline  *self,
                                                          gboolean          muted);
gboolean             cv_media_pipeline_get_audio_muted   (CvMediaPipeline  *self);
/* Disabled video sends nothing and stops the source, releasing the camera
 * (and the self view pauses). Any time; enabling asks for a keyframe. */
void                 cv_media_pipeline_set_video_enabled (CvMediaPipeline  *self,
                                                          gboolean          enabled);
gboolean             cv_media_pipeline_get_video_enabled (CvMediaPipeline  *self);
/* Our own video as the UI shows it in a self tile: RGBA, 320 pixels wide,
 * at most 15 frames a second, taken before the encoder. The same object for
 * the pipeline's life (SSRC 0, kind video); frames while running with video. */
CvRemoteStream      *cv_media_pipeline_get_self_view     (CvMediaPipeline  *self);
/* Our own microphone as the meeting hears it (for the recorder): mono F32
 * at 48 kHz, taken after the mute valve, so nothing while muted. The same
 * object for the pipeline's life (SSRC 0, kind audio). */
CvRemoteStream      *cv_media_pipeline_get_self_audio    (CvMediaPipeline  *self);
/* Where remote audio is played: a speaker's name as CvMediaDevices lists
 * it, or NULL for the default output (before start). Without an output
 * (no sound card) the mix goes to a fakesink and a log line says so once. */
void                 cv_media_pipeline_set_speaker       (CvMediaPipeline  *self,
                                                          const char       *device_name);
/* Whether the mix reaches a real audio output (FALSE: the fallback). */
gboolean             cv_media_pipeline_has_speaker       (CvMediaPipeline  *self);
/* Samples of the remote audio mix sent to the output so far, and the mean
 * absolute amplitude (0..1) of the last mixed buffer. */
guint64              cv_media_pipeline_get_played_samples (CvMediaPipeline *self);
double               cv_media_pipeline_get_played_level  (CvMediaPipeline  *self);
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
