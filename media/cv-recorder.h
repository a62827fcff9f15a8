#pragma once

#include <gio/gio.h>

#include "cv-remote-stream.h"

G_BEGIN_DECLS

#define CV_TYPE_RECORDER (cv_recorder_get_type ())
G_DECLARE_FINAL_TYPE (CvRecorder, cv_recorder, CV, RECORDER, GObject)

/* Local recording (docs/recording.md): the video tiles composited in a
 * grid and the audio mixed, encoded to WebM (VP8 + Opus) on this machine.
 * Nothing is uploaded.
 *
 * Signals, on the main context that called cv_recorder_start():
 *   "saved"  (const char *path): the file is complete;
 *   "failed" (GError *error): recording stopped (disk full, write error);
 *            the message says so in plain words and where the part
 *            recorded so far is.
 * Property "recording" (boolean, notifies). */

/* streams: CvRemoteStream items, may change while recording (tiles come
 * and go). Video items become tiles, audio items are mixed. */
CvRecorder *cv_recorder_new           (GListModel     *streams);
/* Our own video as the first tile; NULL for none. */
void        cv_recorder_set_self_view (CvRecorder     *self,
                                       CvRemoteStream *self_view);
/* Our own microphone (an audio stream), mixed in; NULL for none. */
void        cv_recorder_set_self_audio (CvRecorder     *self,
                                        CvRemoteStream *self_audio);
/* Starts writing path (.webm), truncating it. */
gboolean    cv_recorder_start         (CvRecorder     *self,
                                       const char     *path,
                                       GError        **error);
/* Finalizes the file (waits for the muxer, at most a few seconds) and
 * emits "saved" before returning. Nothing when not recording. */
void        cv_recorder_stop          (CvRecorder     *self);
gboolean    cv_recorder_is_recording  (CvRecorder     *self);
/* The file being (or last) recorded, or NULL. */
const char *cv_recorder_get_path      (CvRecorder     *self);
/* Frames and audio buffers dropped because the recorder lagged. */
guint64     cv_recorder_get_dropped   (CvRecorder     *self);

/* A new file name in folder: the meeting number (when given) and the local
 * date and time, made unique if such a file exists. */
char       *cv_recorder_make_path     (const char     *folder,
                                       const char     *meeting_number);

G_END_DECLS
