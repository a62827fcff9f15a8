/* CvRecorder with real GStreamer pipelines: synthetic participants (test
 * sources pushed into CvRemoteStreams from their own streaming threads, as
 * the receive pipeline does) are recorded, and the file is decoded again.
 *
 * - the grid: tiles where the layout puts them, re-laid out when streams
 *   come and go, the audio mixed in, "saved" and "recording" as promised;
 * - a killed recorder (SIGKILL) leaves a file that decodes;
 * - a write error (RLIMIT_FSIZE) and a full disk (a small tmpfs, when this
 *   process may mount one in a mount namespace of its own) stop recording
 *   with "failed" in plain words, and what was written decodes.
 */
#include <errno.h>
#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/video/video.h>
#include <glib/gstdio.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <unistd.h>

#include "cv-recorder.h"
#include "cv-remote-stream.h"

/* A small tmpfs of our own, or NULL (see main). */
static char *tmpfs_dir;

/* Where a test and its subprocess (a fresh run of this program) put the
 * file: set before any thread exists, inherited by the subprocess. */
#define RECORDINGS_DIR_ENV "CV_TEST_RECORDINGS_DIR"

static char *
recording_path (const char *name)
{
  return g_build_filename (g_getenv (RECORDINGS_DIR_ENV), name, NULL);
}

/* ---- synthetic participants ---- */

typedef struct {
  GstElement *pipeline;
  CvRemoteStream *stream;
} Feeder;

static GstFlowReturn
feeder_sample_cb (GstAppSink *sink,
                  gpointer    user_data)
{
  CvRemoteStream *stream = user_data;
  g_autoptr (GstSample) sample = gst_app_sink_pull_sample (sink);

  if (sample == NULL)
    return GST_FLOW_EOS;
  cv_remote_stream_push_sample (stream, sample, 0, 0);
  return GST_FLOW_OK;
}

/* pattern: videotestsrc properties (or audiotestsrc ones for audio). */
static Feeder *
feeder_new (CvMediaKind kind,
            const char *source)
{
  Feeder *f = g_new0 (Feeder, 1);
  g_autofree char *desc = NULL;
  g_autoptr (GstElement) sink = NULL;
  g_autoptr (GError) error = NULL;
  GstAppSinkCallbacks callbacks = { .new_sample = feeder_sample_cb };

  if (kind == CV_MEDIA_KIND_VIDEO)
    desc = g_strdup_printf ("videotestsrc is-live=true %s "
                            "! video/x-raw,format=RGBA,width=320,height=180,framerate=24/1 "
                            "! appsink name=sink sync=false max-buffers=2 drop=true", source);
  else
    desc = g_strdup_printf ("audiotestsrc is-live=true samplesperbuffer=960 %s "
                            "! audio/x-raw,format=F32LE,channels=1,rate=48000 "
                            "! appsink name=sink sync=false max-buffers=4 drop=true", source);
  f->pipeline = gst_parse_launch (desc, &error);
  g_assert_no_error (error);
  f->stream = cv_remote_stream_new (g_random_int (), kind);
  sink = gst_bin_get_by_name (GST_BIN (f->pipeline), "sink");
  gst_app_sink_set_callbacks (GST_APP_SINK (sink), &callbacks, g_object_ref (f->stream), g_object_unref);
  g_assert_cmpint (gst_element_set_state (f->pipeline, GST_STATE_PLAYING), !=, GST_STATE_CHANGE_FAILURE);
  return f;
}

static void
feeder_free (Feeder *f)
{
  gst_element_set_state (f->pipeline, GST_STATE_NULL);
  gst_object_unref (f->pipeline);
  g_object_unref (f->stream);
  g_free (f);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Feeder, feeder_free)

static double
cpu_seconds (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec
         + (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

static void
run_for (guint ms)
{
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);

  g_timeout_add_once (ms, (GSourceOnceFunc) g_main_loop_quit, loop);
  g_main_loop_run (loop);
}

/* ---- decoding what was recorded ---- */

typedef struct {
  gint video_frames;
  gint64 audio_samples;
  double audio_sum;       /* of |sample| */
  GstClockTime frame_at;  /* the frame kept is the one nearest this time */
  GstSample *frame;       /* RGBA */
  GMutex lock;
} Decoded;

static GstFlowReturn
decoded_video_cb (GstAppSink *sink,
                  gpointer    user_data)
{
  Decoded *d = user_data;
  GstSample *sample = gst_app_sink_pull_sample (sink);
  GstClockTime pts;

  if (sample == NULL)
    return GST_FLOW_EOS;
  pts = GST_BUFFER_PTS (gst_sample_get_buffer (sample));
  g_mutex_lock (&d->lock);
  d->video_frames++;
  if (d->frame == NULL
      || ABS (GST_CLOCK_DIFF (pts, d->frame_at))
         < ABS (GST_CLOCK_DIFF (GST_BUFFER_PTS (gst_sample_get_buffer (d->frame)), d->frame_at)))
    {
      gst_clear_mini_object ((GstMiniObject **) &d->frame);
      d->frame = g_steal_pointer (&sample);
    }
  g_mutex_unlock (&d->lock);
  if (sample != NULL)
    gst_sample_unref (sample);
  return GST_FLOW_OK;
}

static GstFlowReturn
decoded_audio_cb (GstAppSink *sink,
                  gpointer    user_data)
{
  Decoded *d = user_data;
  g_autoptr (GstSample) sample = gst_app_sink_pull_sample (sink);
  GstMapInfo map;

  if (sample == NULL)
    return GST_FLOW_EOS;
  if (!gst_buffer_map (gst_sample_get_buffer (sample), &map, GST_MAP_READ))
    return GST_FLOW_ERROR;
  g_mutex_lock (&d->lock);
  for (gsize i = 0; i < map.size / sizeof (float); i++)
    d->audio_sum += fabs (((const float *) map.data)[i]);
  d->audio_samples += map.size / sizeof (float);
  g_mutex_unlock (&d->lock);
  gst_buffer_unmap (gst_sample_get_buffer (sample), &map);
  return GST_FLOW_OK;
}

/* Decodes both tracks of a WebM file to the end (or to where it breaks). */
static void
decode (const char  *path,
        GstClockTime frame_at,
        Decoded     *d)
{
  g_autofree char *desc = NULL;
  g_autoptr (GstElement) pipeline = NULL, vsink = NULL, asink = NULL;
  g_autoptr (GstBus) bus = NULL;
  g_autoptr (GstMessage) message = NULL;
  g_autoptr (GError) error = NULL;
  GstAppSinkCallbacks video = { .new_sample = decoded_video_cb };
  GstAppSinkCallbacks audio = { .new_sample = decoded_audio_cb };

  memset (d, 0, sizeof *d);
  g_mutex_init (&d->lock);
  d->frame_at = frame_at;
  desc = g_strdup_printf ("filesrc location=\"%s\" ! matroskademux name=d "
                          "d.video_0 ! queue ! vp8dec ! videoconvert ! video/x-raw,format=RGBA "
                          "! appsink name=v sync=false "
                          "d.audio_0 ! queue ! opusdec ! audioconvert ! audio/x-raw,format=F32LE,channels=1 "
                          "! appsink name=a sync=false", path);
  pipeline = gst_parse_launch (desc, &error);
  g_assert_no_error (error);
  vsink = gst_bin_get_by_name (GST_BIN (pipeline), "v");
  asink = gst_bin_get_by_name (GST_BIN (pipeline), "a");
  gst_app_sink_set_callbacks (GST_APP_SINK (vsink), &video, d, NULL);
  gst_app_sink_set_callbacks (GST_APP_SINK (asink), &audio, d, NULL);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  bus = gst_pipeline_get_bus (GST_PIPELINE (pipeline));
  /* A file cut short may end in an error after its last whole cluster;
   * what counts is what decoded before. */
  message = gst_bus_timed_pop_filtered (bus, 30 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  if (message != NULL && GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR)
    {
      g_autoptr (GError) decode_error = NULL;
      gst_message_parse_error (message, &decode_error, NULL);
      g_test_message ("decoding %s ended with: %s", path, decode_error->message);
    }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  g_test_message ("%s: %d video frames, %.2f s of audio, mean level %.4f", path, d->video_frames,
                  d->audio_samples / 48000.0, d->audio_samples ? d->audio_sum / d->audio_samples : 0);
}

static void
decoded_clear (Decoded *d)
{
  gst_clear_mini_object ((GstMiniObject **) &d->frame);
  g_mutex_clear (&d->lock);
}

/* The RGB of the decoded frame at (x, y) of the 1280x720 recording. */
static guint32
pixel_at (GstSample *frame,
          int        x,
          int        y)
{
  GstVideoInfo info;
  GstMapInfo map;
  const guint8 *p;
  guint32 rgb;

  g_assert_true (gst_video_info_from_caps (&info, gst_sample_get_caps (frame)));
  g_assert_cmpint (GST_VIDEO_INFO_WIDTH (&info), ==, 1280);
  g_assert_cmpint (GST_VIDEO_INFO_HEIGHT (&info), ==, 720);
  g_assert_true (gst_buffer_map (gst_sample_get_buffer (frame), &map, GST_MAP_READ));
  p = map.data + y * GST_VIDEO_INFO_PLANE_STRIDE (&info, 0) + x * 4;
  rgb = (p[0] << 16) | (p[1] << 8) | p[2];
  gst_buffer_unmap (gst_sample_get_buffer (frame), &map);
  return rgb;
}

/* Colour within what VP8 and I420 leave of it. */
static void
assert_colour (GstSample *frame,
               int        x,
               int        y,
               guint32    expected)
{
  guint32 got = pixel_at (frame, x, y);

  for (int shift = 0; shift <= 16; shift += 8)
    if (ABS ((int) ((got >> shift) & 0xff) - (int) ((expected >> shift) & 0xff)) > 40)
      g_error ("pixel (%d, %d) is %06x, expected about %06x", x, y, got, expected);
}

/* ---- recorder signals ---- */

typedef struct {
  char *saved;
  GError *failed;
  guint recording_notifies;
  GMainLoop *loop;
} Events;

static void
saved_cb (CvRecorder *recorder,
          const char *path,
          Events     *ev)
{
  g_free (ev->saved);
  ev->saved = g_strdup (path);
}

static void
failed_cb (CvRecorder *recorder,
           GError     *error,
           Events     *ev)
{
  g_clear_error (&ev->failed);
  ev->failed = g_error_copy (error);
  if (ev->loop)
    g_main_loop_quit (ev->loop);
}

static void
recording_cb (CvRecorder *recorder,
              GParamSpec *pspec,
              Events     *ev)
{
  ev->recording_notifies++;
}

static CvRecorder *
recorder_new (GListModel *streams,
              Events     *ev)
{
  CvRecorder *recorder = cv_recorder_new (streams);

  g_signal_connect (recorder, "saved", G_CALLBACK (saved_cb), ev);
  g_signal_connect (recorder, "failed", G_CALLBACK (failed_cb), ev);
  g_signal_connect (recorder, "notify::recording", G_CALLBACK (recording_cb), ev);
  return recorder;
}

static void
events_clear (Events *ev)
{
  g_clear_pointer (&ev->saved, g_free);
  g_clear_error (&ev->failed);
}

/* ---- tests ---- */

static void
test_make_path (void)
{
  g_autofree char *dir = g_dir_make_tmp ("cv-recorder-XXXXXX", NULL);
  g_autofree char *first = cv_recorder_make_path (dir, "123-456/../789");
  g_autofree char *second = NULL, *plain = NULL, *base = NULL;

  base = g_path_get_basename (first);
  g_assert_true (g_str_has_prefix (first, dir));
  g_assert_true (g_str_has_prefix (base, "Conclave 123-456789 "));
  g_assert_true (g_str_has_suffix (base, ".webm"));
  g_assert_null (strchr (base, '/'));
  g_assert_true (g_file_set_contents (first, "", 0, NULL));
  second = cv_recorder_make_path (dir, "123-456/../789");
  g_assert_cmpstr (first, !=, second);
  g_assert_true (g_str_has_suffix (second, " (2).webm"));
  plain = cv_recorder_make_path (dir, NULL);
  g_assert_true (g_str_has_prefix (plain, dir));

  g_unlink (first);
  g_rmdir (dir);
}

/* A place that cannot be written: an error in words, nothing started. */
static void
test_cannot_write (void)
{
  g_autoptr (GListStore) streams = g_list_store_new (CV_TYPE_REMOTE_STREAM);
  g_autoptr (CvRecorder) recorder = NULL;
  g_autoptr (GError) error = NULL;
  Events ev = { 0 };

  recorder = recorder_new (G_LIST_MODEL (streams), &ev);
  g_assert_false (cv_recorder_start (recorder, "/dev/null/recordings/x.webm", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_DIRECTORY);
  g_assert_true (g_str_has_prefix (error->message, "Cannot create the recordings folder /dev/null/recordings"));
  g_assert_false (cv_recorder_is_recording (recorder));
  g_assert_cmpuint (ev.recording_notifies, ==, 0);
  cv_recorder_stop (recorder);
  g_assert_null (ev.saved);
  events_clear (&ev);
}

#define BLUE 0x0000ff
#define RED 0xff0000
#define GREEN 0x00ff00
#define YELLOW 0xffff00

static Feeder *
colour_feeder (guint32 rgb)
{
  g_autofree char *source = g_strdup_printf ("pattern=solid-color foreground-color=0xff%06x", rgb);
  return feeder_new (CV_MEDIA_KIND_VIDEO, source);
}

static void
test_grid (void)
{
  g_autofree char *dir = g_dir_make_tmp ("cv-recorder-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "grid.webm", NULL);
  g_autoptr (GListStore) streams = g_list_store_new (CV_TYPE_REMOTE_STREAM);
  g_autoptr (Feeder) self_view = colour_feeder (BLUE);
  g_autoptr (Feeder) red = colour_feeder (RED);
  g_autoptr (Feeder) green = colour_feeder (GREEN);
  g_autoptr (Feeder) yellow = colour_feeder (YELLOW);
  g_autoptr (Feeder) tone = feeder_new (CV_MEDIA_KIND_AUDIO, "wave=sine freq=440 volume=0.3");
  g_autoptr (Feeder) tone2 = feeder_new (CV_MEDIA_KIND_AUDIO, "wave=sine freq=660 volume=0.3");
  g_autoptr (CvRemoteStream) muted = cv_remote_stream_new (4242, CV_MEDIA_KIND_AUDIO);
  g_autoptr (CvRecorder) recorder = NULL;
  g_autoptr (GError) error = NULL;
  Events ev = { 0 };
  Decoded d;
  guint pos;
  double cpu_start, cpu_idle, cpu_recording, recorded_s;
  gint64 started, stop_began;

  g_list_store_append (streams, red->stream);
  g_list_store_append (streams, tone->stream);
  /* A muted participant sends no audio at all: the mix must not wait for it. */
  g_list_store_append (streams, muted);
  g_list_store_append (streams, green->stream);
  recorder = recorder_new (G_LIST_MODEL (streams), &ev);
  cv_recorder_set_self_view (recorder, self_view->stream);

  /* What the synthetic participants cost alone, for the figure below. */
  cpu_start = cpu_seconds ();
  run_for (1000);
  cpu_idle = cpu_seconds () - cpu_start;

  cpu_start = cpu_seconds ();
  started = g_get_monotonic_time ();
  g_assert_true (cv_recorder_start (recorder, path, &error));
  g_assert_no_error (error);
  g_assert_true (cv_recorder_is_recording (recorder));
  g_assert_cmpuint (ev.recording_notifies, ==, 1);
  g_assert_cmpstr (cv_recorder_get_path (recorder), ==, path);
  g_assert_false (cv_recorder_start (recorder, path, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_BUSY);
  g_clear_error (&error);

  /* Streams come and go while recording. */
  run_for (1500);
  g_list_store_append (streams, yellow->stream);
  g_list_store_append (streams, tone2->stream);
  run_for (1000);
  g_assert_true (g_list_store_find (streams, green->stream, &pos));
  g_list_store_remove (streams, pos);
  run_for (1500);

  stop_began = g_get_monotonic_time ();
  cv_recorder_stop (recorder);
  recorded_s = (g_get_monotonic_time () - started) / 1e6;
  g_test_message ("cv_recorder_stop took %.0f ms", (g_get_monotonic_time () - stop_began) / 1e3);
  cpu_recording = cpu_seconds () - cpu_start;
  g_test_message ("CPU of recording 3 tiles + 2 audio streams at 720p: %.0f%% of a core "
                  "(%.2f s over 4 s, less %.2f s/s for the test sources)",
                  100 * (cpu_recording / 4 - cpu_idle), cpu_recording, cpu_idle);
  g_assert_false (cv_recorder_is_recording (recorder));
  g_assert_cmpuint (ev.recording_notifies, ==, 2);
  g_assert_cmpstr (ev.saved, ==, path);
  g_assert_null (ev.failed);
  g_test_message ("dropped while recording: %" G_GUINT64_FORMAT, cv_recorder_get_dropped (recorder));

  /* The frame half-way between the last change and the end. */
  decode (path, 3250 * GST_MSECOND, &d);
  /* 4 s at 24 frames per second; a loaded machine may drop up to half. */
  g_assert_cmpint (d.video_frames, >=, 48);
  /* No more than the time it ran (a loaded machine stretches the 4 s). */
  g_assert_cmpint (d.video_frames, <=, (recorded_s + 0.2) * 24);
  g_assert_cmpint (d.audio_samples, <=, (recorded_s + 0.2) * 48000);
  g_assert_cmpint (d.audio_samples, >=, 3 * 48000);
  /* The tones are in the mix (silence alone would be 0). */
  g_assert_cmpfloat (d.audio_sum / d.audio_samples, >, 0.05);
  /* The last layout: self view, red, then yellow centred below. */
  g_assert_nonnull (d.frame);
  assert_colour (d.frame, 320, 180, BLUE);
  assert_colour (d.frame, 960, 180, RED);
  assert_colour (d.frame, 640, 540, YELLOW);
  assert_colour (d.frame, 100, 540, 0x000000);
  assert_colour (d.frame, 1180, 540, 0x000000);
  decoded_clear (&d);

  /* A second recording with the same recorder works. */
  g_clear_pointer (&ev.saved, g_free);
  g_assert_true (cv_recorder_start (recorder, path, &error));
  run_for (500);
  g_clear_object (&recorder);  /* disposing finishes the file */
  g_assert_cmpstr (ev.saved, ==, path);

  events_clear (&ev);
  g_unlink (path);
  g_rmdir (dir);
}

/* Our own microphone (the self audio) is in the mix: alone, without any
 * remote stream, and only while it sends (muted sends nothing). */
static void
test_self_audio (void)
{
  g_autofree char *dir = g_dir_make_tmp ("cv-recorder-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "self-audio.webm", NULL);
  g_autoptr (GListStore) streams = g_list_store_new (CV_TYPE_REMOTE_STREAM);
  g_autoptr (Feeder) tone = feeder_new (CV_MEDIA_KIND_AUDIO, "wave=sine freq=440 volume=0.3");
  g_autoptr (CvRecorder) recorder = NULL;
  g_autoptr (GError) error = NULL;
  Events ev = { 0 };
  Decoded d;

  recorder = recorder_new (G_LIST_MODEL (streams), &ev);
  cv_recorder_set_self_audio (recorder, tone->stream);
  g_assert_true (cv_recorder_start (recorder, path, &error));
  g_assert_no_error (error);
  run_for (2000);
  cv_recorder_stop (recorder);
  g_assert_cmpstr (ev.saved, ==, path);

  decode (path, 0, &d);
  g_assert_cmpint (d.audio_samples, >=, 48000);
  /* Mostly the tone (mean |x| 0.19); silence alone would be 0. */
  g_assert_cmpfloat (d.audio_sum / d.audio_samples, >, 0.05);
  decoded_clear (&d);

  /* Without it: silence. */
  cv_recorder_set_self_audio (recorder, NULL);
  g_assert_true (cv_recorder_start (recorder, path, &error));
  run_for (1000);
  cv_recorder_stop (recorder);
  decode (path, 0, &d);
  g_assert_cmpint (d.audio_samples, >=, 12000);
  g_assert_cmpfloat (d.audio_sum / d.audio_samples, <, 0.001);
  decoded_clear (&d);

  events_clear (&ev);
  g_unlink (path);
  g_rmdir (dir);
}

/* In a child: record, then die without any chance to finish the file. */
static void
record_then_die (const char *path,
                 guint       ms)
{
  g_autoptr (GListStore) streams = g_list_store_new (CV_TYPE_REMOTE_STREAM);
  g_autoptr (Feeder) video = feeder_new (CV_MEDIA_KIND_VIDEO, "pattern=ball");
  g_autoptr (Feeder) audio = feeder_new (CV_MEDIA_KIND_AUDIO, "wave=sine volume=0.3");
  g_autoptr (CvRecorder) recorder = cv_recorder_new (G_LIST_MODEL (streams));
  g_autoptr (GError) error = NULL;

  g_list_store_append (streams, video->stream);
  g_list_store_append (streams, audio->stream);
  g_assert_true (cv_recorder_start (recorder, path, &error));
  run_for (ms);
  kill (getpid (), SIGKILL);
}

static void
test_killed (void)
{
  g_autofree char *path = recording_path ("killed.webm");
  Decoded d;

  if (g_test_subprocess ())
    {
      record_then_die (path, 4000);
      return;
    }
  g_test_trap_subprocess (NULL, 30 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_failed ();

  decode (path, 0, &d);
  /* 4 s recorded; the muxer's and the file's buffers (under a second) are
   * lost, and a loaded machine feeds the recorder late (1.97 s of audio seen
   * at load 20): at least a quarter of it must play. */
  g_assert_cmpint (d.video_frames, >=, 24);
  g_assert_cmpint (d.audio_samples, >=, 48000);
  g_assert_cmpfloat (d.audio_sum / d.audio_samples, >, 0.05);
  decoded_clear (&d);
  g_unlink (path);
}

/* Records noise (incompressible, so the file grows fast) until "failed". */
static GError *
record_until_failed (const char *path)
{
  g_autoptr (GListStore) streams = g_list_store_new (CV_TYPE_REMOTE_STREAM);
  g_autoptr (Feeder) video = feeder_new (CV_MEDIA_KIND_VIDEO, "pattern=snow");
  g_autoptr (Feeder) audio = feeder_new (CV_MEDIA_KIND_AUDIO, "wave=sine volume=0.3");
  g_autoptr (CvRecorder) recorder = NULL;
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr (GError) error = NULL;
  Events ev = { .loop = loop };
  GError *failed;
  guint timeout;

  g_list_store_append (streams, video->stream);
  g_list_store_append (streams, audio->stream);
  recorder = recorder_new (G_LIST_MODEL (streams), &ev);
  g_assert_true (cv_recorder_start (recorder, path, &error));
  timeout = g_timeout_add_once (20000, (GSourceOnceFunc) g_main_loop_quit, loop);
  g_main_loop_run (loop);
  g_assert_nonnull (ev.failed);
  g_source_remove (timeout);

  g_assert_false (cv_recorder_is_recording (recorder));
  g_assert_cmpuint (ev.recording_notifies, ==, 2);
  g_assert_null (ev.saved);
  /* Stopping after a failure does nothing. */
  cv_recorder_stop (recorder);
  g_assert_null (ev.saved);
  g_assert_nonnull (strstr (ev.failed->message, "What was recorded so far is saved in"));
  g_assert_nonnull (strstr (ev.failed->message, path));
  failed = g_steal_pointer (&ev.failed);
  events_clear (&ev);
  return failed;
}

#define FILE_LIMIT (400 * 1024)

static void
test_file_too_large (void)
{
  g_autofree char *path = recording_path ("limited.webm");
  GStatBuf st;
  Decoded d;

  if (g_test_subprocess ())
    {
      struct rlimit limit = { FILE_LIMIT, FILE_LIMIT };
      g_autoptr (GError) error = NULL;

      /* Writes past the limit fail with EFBIG instead of killing us. */
      signal (SIGXFSZ, SIG_IGN);
      g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &limit), ==, 0);
      error = record_until_failed (path);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
      g_print ("failed: %s\n", error->message);
      return;
    }
  g_test_trap_subprocess (NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*failed: The recording could not be written (*): recording stopped. "
                             "What was recorded so far is saved in*");

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_size, <=, FILE_LIMIT);
  decode (path, 0, &d);
  g_assert_cmpint (d.video_frames, >, 0);
  decoded_clear (&d);
  g_unlink (path);
}

static void
test_disk_full (void)
{
  g_autofree char *path = NULL;
  g_autoptr (GError) error = NULL;
  Decoded d;

  if (tmpfs_dir == NULL)
    {
      g_test_skip ("cannot mount a small tmpfs here (needs root and mount namespaces); "
                   "the write-error path is covered by file-too-large");
      return;
    }
  path = g_build_filename (tmpfs_dir, "full.webm", NULL);
  error = record_until_failed (path);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE);
  g_assert_true (g_str_has_prefix (error->message, "The disk is full: recording stopped."));
  g_test_message ("%s", error->message);

  decode (path, 0, &d);
  g_assert_cmpint (d.video_frames, >, 0);
  decoded_clear (&d);
}

/* A tmpfs of 512 KiB in a mount namespace of this process alone, so that
 * nothing outside sees it. Must run before any thread exists. */
static void
mount_small_tmpfs (void)
{
  g_autofree char *dir = g_dir_make_tmp ("cv-recorder-full-XXXXXX", NULL);

  if (dir == NULL || unshare (CLONE_NEWNS) != 0
      || mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0
      || mount ("cv-test", dir, "tmpfs", 0, "size=512k") != 0)
    {
      if (dir != NULL)
        g_rmdir (dir);
      return;
    }
  tmpfs_dir = g_steal_pointer (&dir);
}

int
main (int argc, char *argv[])
{
  g_autofree char *recordings_dir = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  if (!g_test_subprocess ())
    {
      mount_small_tmpfs ();
      recordings_dir = g_dir_make_tmp ("cv-recorder-XXXXXX", NULL);
      g_setenv (RECORDINGS_DIR_ENV, recordings_dir, TRUE);
    }
  gst_init (&argc, &argv);

  g_test_add_func ("/recorder/make-path", test_make_path);
  g_test_add_func ("/recorder/cannot-write", test_cannot_write);
  g_test_add_func ("/recorder/grid", test_grid);
  g_test_add_func ("/recorder/self-audio", test_self_audio);
  g_test_add_func ("/recorder/killed", test_killed);
  g_test_add_func ("/recorder/file-too-large", test_file_too_large);
  g_test_add_func ("/recorder/disk-full", test_disk_full);
  status = g_test_run ();

  if (recordings_dir != NULL)
    g_rmdir (recordings_dir);
  if (tmpfs_dir != NULL)
    {
      umount (tmpfs_dir);
      g_rmdir (tmpfs_dir);
    }
  return status;
}
