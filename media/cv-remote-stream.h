#pragma once

#include <gst/gst.h>

#include "cv-media-devices.h"

G_BEGIN_DECLS

#define CV_TYPE_REMOTE_STREAM (cv_remote_stream_get_type ())
G_DECLARE_FINAL_TYPE (CvRemoteStream, cv_remote_stream, CV, REMOTE_STREAM, GObject)

CvRemoteStream *cv_remote_stream_new             (guint32         ssrc,
                                                  CvMediaKind     kind);
guint32         cv_remote_stream_get_ssrc        (CvRemoteStream *self);
CvMediaKind     cv_remote_stream_get_kind        (CvRemoteStream *self);
/* MLS leaf index of the sender, from the SFrame KID of its last decrypted
 * frame; -1 until a frame decrypted. */
gint64          cv_remote_stream_get_sender_leaf (CvRemoteStream *self);
guint64         cv_remote_stream_get_frames      (CvRemoteStream *self);
guint64         cv_remote_stream_get_dropped     (CvRemoteStream *self);
/* The last decoded video frame (RGBA), or NULL. */
GstSample      *cv_remote_stream_dup_last_sample (CvRemoteStream *self);
/* Mean absolute amplitude of the last decoded audio buffer, 0..1. */
double          cv_remote_stream_get_audio_level (CvRemoteStream *self);

/* Called on the streaming thread of the stream for every decoded sample,
 * with the stream's sink lock held: it must return quickly (copy, queue or
 * drop) and never block on the receiver. */
typedef void (*CvRemoteStreamSinkFunc) (CvRemoteStream *stream,
                                        GstSample      *sample,
                                        gpointer        user_data);

/* Adds a consumer of every sample (the recorder), from any thread; returns
 * an id for cv_remote_stream_remove_sink. */
guint           cv_remote_stream_add_sink        (CvRemoteStream        *self,
                                                  CvRemoteStreamSinkFunc func,
                                                  gpointer               user_data,
                                                  GDestroyNotify         destroy);
/* After it returns, func is not running and will not be called again. */
void            cv_remote_stream_remove_sink     (CvRemoteStream *self,
                                                  guint           id);

/* For the pipeline: called from streaming threads. */
void            cv_remote_stream_push_sample     (CvRemoteStream *self,
                                                  GstSample      *sample,
                                                  gint64          sender_leaf,
                                                  guint64         dropped);

G_END_DECLS
