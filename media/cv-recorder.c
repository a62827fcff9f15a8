/* CvRecorder: local recording of a meeting to WebM (docs/recording.md).
 *
 *   appsrc ─ convert (self view) ─┐
 *   appsrc ─ convert (video) ─────┼ compositor (grid) ─ VP8 ──┐
 *   black background ─────────────┘                           webmmux ─ filesink
 *   appsrc (self audio) ──────────┐
 *   appsrc (audio) ───────────────┼ audiomixer ─ Opus ────────┘
 *   silence ──────────────────────┘
 *
 * A pipeline of its own, fed by sinks on the CvRemoteStreams: the receive
 * threads only copy a buffer header into a leaky appsrc, so a lagging
 * recorder drops frames instead of stalling the meeting. Each video input
 * converts its small frames to I420 on its own thread, so the compositor
 * blends and hands over I420 at 720p without a full-frame conversion. Samples are
 * stamped with the recorder's running time on arrival: the file's time is
 * wall time, and a stream that pauses or joins late leaves no hole.
 * The live background sources keep both aggregators (and so the file)
 * going while nobody sends anything.
 *
 * The muxer writes each frame as it comes (and a keyframe every two
 * seconds starts a cluster), unbuffered, so a killed process or a full disk
 * leaves a file that plays up to the last frame written; a clean stop also
 * writes the duration and the cues for seeking.
 */
#include "config.h"

#include "cv-recorder.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <gst/app/gstappsrc.h>
#include <gst/audio/audio.h>
#include <math.h>

GST_DEBUG_CATEGORY_STATIC (cv_recorder_debug);
#define GST_CAT_DEFAULT cv_recorder_debug

/* The recording's frame: 720p at the rate the participants send. */
#define OUT_WIDTH 1280
#define OUT_HEIGHT 720
#define OUT_FPS 24
/* More tiles than this are not legible at 720p; later ones wait for a place. */
#define MAX_TILES 25
/* How late a sample may arrive at the aggregators (network jitter and the
 * hop through the receive thread) before it is too late for its frame. */
#define AGGREGATOR_LATENCY (250 * GST_MSECOND)
/* An audio stream's arrival times jitter; within this it is continuous. */
#define AUDIO_RESYNC (200 * GST_MSECOND)
/* How long stop waits for the muxer to finish the file. */
#define STOP_TIMEOUT (5 * GST_SECOND)
/* What an input may queue: the aggregators hold a sample until its frame
 * is due (AGGREGATOR_LATENCY), and on a busy machine they run late by up
 * to a second; beyond that the oldest goes. */
#define INPUT_QUEUE_TIME (GST_SECOND + AGGREGATOR_LATENCY)

typedef struct {
  CvRecorder *recorder;
  CvRemoteStream *stream;
  CvMediaKind kind;
  GstElement *appsrc;
  GstElement *convert;    /* video: to I420 on this input's thread */
  GstPad *aggregator_pad;
  guint sink_id;
  /* Used by the stream's thread only. */
  GstClockTime next_audio_pts;
  GstCaps *audio_caps;
  GstAudioInfo audio_info;
} Input;

struct _CvRecorder
{
  GObject parent_instance;

  GListModel *streams;
  CvRemoteStream *self_view;
  CvRemoteStream *self_audio;
  char *path;

  GstElement *pipeline;   /* NULL when not recording */
  GstElement *compositor;
  GstElement *mixer;
  GstElement *filesink;
  guint bus_watch;
  GHashTable *inputs;     /* CvRemoteStream * → Input *, streams of the model */
  Input *self_input;       /* of self_view */
  Input *self_audio_input;
  gint dropped;           /* atomic */
};

G_DEFINE_FINAL_TYPE (CvRecorder, cv_recorder, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_RECORDING,
  N_PROPS
};

enum {
  SIGNAL_SAVED,
  SIGNAL_FAILED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* On the stream's thread: stamp with our running time and queue, or drop. */
static void
stream_sample_cb (CvRemoteStream *stream,
                  GstSample      *sample,
                  gpointer        user_data)
{
  Input *in = user_data;
  GstBuffer *incoming = gst_sample_get_buffer (sample);
  GstCaps *caps = gst_sample_get_caps (sample);
  GstClockTime now = gst_element_get_current_running_time (in->recorder->pipeline);
  g_autoptr (GstBuffer) buf = NULL;
  g_autoptr (GstSample) stamped = NULL;

  if (incoming == NULL || caps == NULL || !GST_CLOCK_TIME_IS_VALID (now))
    return;
  /* The appsrc leaks the oldest itself; this only counts. */
  if (gst_app_src_get_current_level_time (GST_APP_SRC (in->appsrc)) >= INPUT_QUEUE_TIME)
    g_atomic_int_inc (&in->recorder->dropped);

  /* A new buffer header over the same memory: the UI keeps the original. */
  buf = gst_buffer_copy (incoming);
  GST_BUFFER_DTS (buf) = GST_CLOCK_TIME_NONE;
  GST_BUFFER_DURATION (buf) = GST_CLOCK_TIME_NONE;
  GST_BUFFER_PTS (buf) = now;

  if (in->kind == CV_MEDIA_KIND_AUDIO)
    {
      GstClockTime duration;

      if (in->audio_caps != caps)
        {
          if (!gst_audio_info_from_caps (&in->audio_info, caps))
            return;
          gst_caps_replace (&in->audio_caps, caps);
        }
      duration = gst_util_uint64_scale (gst_buffer_get_size (buf) / in->audio_info.bpf, GST_SECOND,
                                        in->audio_info.rate);
      /* Continuous audio gets continuous timestamps; a gap resyncs. */
      if (GST_CLOCK_TIME_IS_VALID (in->next_audio_pts)
          && GST_CLOCK_DIFF (in->next_audio_pts, now) < (GstClockTimeDiff) AUDIO_RESYNC
          && GST_CLOCK_DIFF (now, in->next_audio_pts) < (GstClockTimeDiff) AUDIO_RESYNC)
        GST_BUFFER_PTS (buf) = in->next_audio_pts;
      GST_BUFFER_DURATION (buf) = duration;
      in->next_audio_pts = GST_BUFFER_PTS (buf) + duration;
    }

  stamped = gst_sample_new (buf, caps, NULL, NULL);
  gst_app_src_push_sample (GST_APP_SRC (in->appsrc), stamped);
}

static Input *
input_new (CvRecorder     *self,
           CvRemoteStream *stream)
{
  Input *in = g_new0 (Input, 1);
  gboolean video = cv_remote_stream_get_kind (stream) == CV_MEDIA_KIND_VIDEO;
  GstElement *aggregator = video ? self->compositor : self->mixer;
  g_autoptr (GstPad) srcpad = NULL;

  in->recorder = self;
  in->stream = g_object_ref (stream);
  in->kind = cv_remote_stream_get_kind (stream);
  in->next_audio_pts = GST_CLOCK_TIME_NONE;
  in->appsrc = gst_element_factory_make ("appsrc", NULL);
  g_object_set (in->appsrc, "is-live", TRUE, "format", GST_FORMAT_TIME, "block", FALSE,
                "max-bytes", (guint64) 0, "max-buffers", (guint64) 0, "max-time", (guint64) INPUT_QUEUE_TIME,
                "min-latency", (gint64) 0, "max-latency", (gint64) INPUT_QUEUE_TIME,
                "leaky-type", GST_APP_LEAKY_TYPE_DOWNSTREAM, NULL);
  gst_bin_add (GST_BIN (self->pipeline), gst_object_ref (in->appsrc));
  if (video)
    {
      in->convert = gst_element_factory_make ("videoconvert", NULL);
      gst_bin_add (GST_BIN (self->pipeline), gst_object_ref (in->convert));
      gst_element_link (in->appsrc, in->convert);
    }

  /* Running before they are linked: an aggregator whose latency query
   * meets a pad not yet active stops behaving live, and would then wait
   * for every input (a muted one forever). No sample comes before the sink
   * below, so nothing is pushed unlinked. */
  if (in->convert)
    gst_element_sync_state_with_parent (in->convert);
  gst_element_sync_state_with_parent (in->appsrc);

  in->aggregator_pad = gst_element_request_pad_simple (aggregator, "sink_%u");
  srcpad = gst_element_get_static_pad (in->convert ? in->convert : in->appsrc, "src");
  if (gst_pad_link (srcpad, in->aggregator_pad) != GST_PAD_LINK_OK)
    GST_ERROR_OBJECT (self->pipeline, "cannot link the input of stream %u", cv_remote_stream_get_ssrc (stream));
  /* Tiles keep their shape; at the end of the file, their last frame. */
  if (video)
    {
      gst_util_set_object_arg (G_OBJECT (in->aggregator_pad), "sizing-policy", "keep-aspect-ratio");
      g_object_set (in->aggregator_pad, "repeat-after-eos", TRUE, NULL);
    }

  in->sink_id = cv_remote_stream_add_sink (stream, stream_sample_cb, in, NULL);
  return in;
}

static void
input_stop_samples (Input *in)
{
  if (in->sink_id != 0)
    cv_remote_stream_remove_sink (in->stream, in->sink_id);
  in->sink_id = 0;
}

static void
input_free (Input *in)
{
  CvRecorder *self = in->recorder;

  /* First no more samples, then the branch goes. */
  input_stop_samples (in);
  if (self->pipeline != NULL)
    {
      GstElement *aggregator = in->kind == CV_MEDIA_KIND_VIDEO ? self->compositor : self->mixer;

      gst_element_set_state (in->appsrc, GST_STATE_NULL);
      gst_bin_remove (GST_BIN (self->pipeline), in->appsrc);
      if (in->convert)
        {
          gst_element_set_state (in->convert, GST_STATE_NULL);
          gst_bin_remove (GST_BIN (self->pipeline), in->convert);
        }
      gst_element_release_request_pad (aggregator, in->aggregator_pad);
    }
  gst_object_unref (in->aggregator_pad);
  gst_object_unref (in->appsrc);
  gst_clear_object (&in->convert);
  gst_clear_caps (&in->audio_caps);
  g_object_unref (in->stream);
  g_free (in);
}

/* The tiles in a grid of near-square shape, the last row centred. */
static void
layout (CvRecorder *self)
{
  g_autoptr (GPtrArray) tiles = g_ptr_array_new ();
  guint cols, rows, tile_w, tile_h;

  if (self->self_input != NULL)
    g_ptr_array_add (tiles, self->self_input);
  for (guint i = 0; i < g_list_model_get_n_items (self->streams); i++)
    {
      g_autoptr (CvRemoteStream) stream = g_list_model_get_item (self->streams, i);
      Input *in = g_hash_table_lookup (self->inputs, stream);

      if (in != NULL && in->kind == CV_MEDIA_KIND_VIDEO)
        g_ptr_array_add (tiles, in);
    }
  if (tiles->len == 0)
    return;

  cols = (guint) ceil (sqrt (tiles->len));
  rows = (tiles->len + cols - 1) / cols;
  tile_w = OUT_WIDTH / cols;
  tile_h = OUT_HEIGHT / rows;
  for (guint i = 0; i < tiles->len; i++)
    {
      Input *in = g_ptr_array_index (tiles, i);
      guint row = i / cols, col = i % cols;
      guint in_row = MIN (cols, tiles->len - row * cols);

      g_object_set (in->aggregator_pad,
                    "xpos", (gint) ((cols - in_row) * tile_w / 2 + col * tile_w),
                    "ypos", (gint) (row * tile_h),
                    "width", (gint) tile_w, "height", (gint) tile_h, NULL);
    }
  GST_DEBUG_OBJECT (self->pipeline, "%u tiles in %ux%u", tiles->len, cols, rows);
}

static guint
count_tiles (CvRecorder *self)
{
  GHashTableIter iter;
  Input *in;
  guint n = self->self_input != NULL;

  g_hash_table_iter_init (&iter, self->inputs);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &in))
    n += in->kind == CV_MEDIA_KIND_VIDEO;
  return n;
}

/* Makes the inputs match the model: gone streams leave, new ones join. */
static void
sync_inputs (CvRecorder *self)
{
  g_autoptr (GHashTable) present = g_hash_table_new_full (NULL, NULL, g_object_unref, NULL);
  GHashTableIter iter;
  gpointer stream;
  guint tiles;

  for (guint i = 0; i < g_list_model_get_n_items (self->streams); i++)
    g_hash_table_add (present, g_list_model_get_item (self->streams, i));

  g_hash_table_iter_init (&iter, self->inputs);
  while (g_hash_table_iter_next (&iter, &stream, NULL))
    if (!g_hash_table_contains (present, stream))
      g_hash_table_iter_remove (&iter);

  tiles = count_tiles (self);
  for (guint i = 0; i < g_list_model_get_n_items (self->streams); i++)
    {
      g_autoptr (CvRemoteStream) item = g_list_model_get_item (self->streams, i);
      gboolean video = cv_remote_stream_get_kind (item) == CV_MEDIA_KIND_VIDEO;

      if (g_hash_table_contains (self->inputs, item) || item == self->self_view || item == self->self_audio)
        continue;
      if (video && tiles >= MAX_TILES)
        continue;
      tiles += video;
      g_hash_table_insert (self->inputs, item, input_new (self, item));
    }
  layout (self);
}

/* For the missing-Opus-track puzzle (docs/recording.md): when each of the
 * muxer's tracks gets its first data. Logs once per pad. */
static GstPadProbeReturn
first_buffer_cb (GstPad          *pad,
                 GstPadProbeInfo *info,
                 gpointer         user_data)
{
  GstElement *pipeline = user_data;
  g_autoptr (GstCaps) caps = gst_pad_get_current_caps (pad);
  g_autofree char *caps_str = caps ? gst_caps_to_string (caps) : NULL;

  GST_INFO_OBJECT (pipeline, "first buffer on the muxer's %s pad at %" GST_TIME_FORMAT " (%s)",
                   GST_PAD_NAME (pad), GST_TIME_ARGS (gst_element_get_current_running_time (pipeline)),
                   caps_str ? caps_str : "no caps");
  return GST_PAD_PROBE_REMOVE;
}

static void
watch_muxer_pads (GstElement *pipeline)
{
  g_autoptr (GstElement) mux = gst_bin_get_by_name (GST_BIN (pipeline), "mux");

  for (GList *l = GST_ELEMENT (mux)->sinkpads; l != NULL; l = l->next)
    gst_pad_add_probe (l->data, GST_PAD_PROBE_TYPE_BUFFER, first_buffer_cb, pipeline, NULL);
}

static void
items_changed_cb (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  CvRecorder *self)
{
  if (self->pipeline != NULL)
    sync_inputs (self);
}

/* Ends recording: no more samples, the pipeline down. notify: whether
 * "recording" had been announced. */
static void
teardown (CvRecorder *self,
          gboolean    notify)
{
  g_clear_handle_id (&self->bus_watch, g_source_remove);
  g_hash_table_remove_all (self->inputs);
  g_clear_pointer (&self->self_input, input_free);
  g_clear_pointer (&self->self_audio_input, input_free);
  gst_element_set_state (self->pipeline, GST_STATE_NULL);
  self->compositor = self->mixer = self->filesink = NULL;
  gst_clear_object (&self->pipeline);
  if (notify)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECORDING]);
}

/* The last line of a GStreamer error's debug text is the system's reason
 * (strerror) for the file elements. */
static char *
error_reason (const GError *error,
              const char   *debug)
{
  const char *last = debug ? strrchr (debug, '\n') : NULL;

  if (last != NULL && last[1] != '\0')
    return g_strdup (last + 1);
  return g_strdup (error->message);
}

static void
fail (CvRecorder   *self,
      GstMessage   *message)
{
  g_autoptr (GError) gst_error = NULL, error = NULL;
  g_autofree char *debug = NULL, *reason = NULL;
  gboolean from_file;

  gst_message_parse_error (message, &gst_error, &debug);
  GST_WARNING ("recording %s failed: %s (%s)", self->path, gst_error->message, debug ? debug : "");
  from_file = GST_MESSAGE_SRC (message) == GST_OBJECT (self->filesink);
  reason = error_reason (gst_error, debug);

  if (from_file && g_error_matches (gst_error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NO_SPACE_LEFT))
    error = g_error_new (G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                         _("The disk is full: recording stopped. What was recorded so far is saved in %s."),
                         self->path);
  else if (from_file)
    error = g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED,
                         _("The recording could not be written (%s): recording stopped. "
                           "What was recorded so far is saved in %s."), reason, self->path);
  else
    error = g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED,
                         _("Recording stopped because of an error (%s). "
                           "What was recorded so far is saved in %s."), reason, self->path);

  teardown (self, TRUE);
  g_signal_emit (self, signals[SIGNAL_FAILED], 0, error);
}

static gboolean
bus_cb (GstBus     *bus,
        GstMessage *message,
        gpointer    user_data)
{
  CvRecorder *self = user_data;

  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR)
    {
      self->bus_watch = 0;
      fail (self, message);
      return G_SOURCE_REMOVE;
    }
  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_WARNING)
    {
      g_autoptr (GError) warning = NULL;
      gst_message_parse_warning (message, &warning, NULL);
      GST_WARNING ("recording %s: %s", self->path, warning->message);
    }
  return G_SOURCE_CONTINUE;
}

/* Opens the file once ourselves, for an error in words before anything runs. */
static gboolean
check_writable (const char *path,
                GError    **error)
{
  g_autofree char *folder = g_path_get_dirname (path);
  int fd, saved_errno;

  if (g_mkdir_with_parents (folder, 0700) != 0)
    {
      saved_errno = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Cannot create the recordings folder %s: %s"), folder, g_strerror (saved_errno));
      return FALSE;
    }
  fd = g_open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      saved_errno = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Cannot record to %s: %s"), path, g_strerror (saved_errno));
      return FALSE;
    }
  g_close (fd, NULL);
  return TRUE;
}

gboolean
cv_recorder_start (CvRecorder *self,
                   const char *path,
                   GError    **error)
{
  g_autoptr (GError) parse_error = NULL;
  g_autofree char *desc = NULL;
  g_autoptr (GstBus) bus = NULL;

  g_return_val_if_fail (CV_IS_RECORDER (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (self->pipeline != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY, _("Already recording to %s"), self->path);
      return FALSE;
    }
  if (!check_writable (path, error))
    return FALSE;

  /* One encoder thread: libvpx's threads spin while they wait for each
   * other, and on a busy machine two cost ten times the CPU of one. */
  desc = g_strdup_printf (
    "compositor name=video background=black latency=%" G_GUINT64_FORMAT " "
    "! video/x-raw,format=I420,width=%d,height=%d,framerate=%d/1,pixel-aspect-ratio=1/1 "
    "! queue max-size-buffers=0 max-size-bytes=0 max-size-time=%" G_GUINT64_FORMAT " leaky=downstream "
    "! vp8enc deadline=1 cpu-used=16 threads=1 lag-in-frames=0 end-usage=cbr target-bitrate=1500000 "
    "  keyframe-max-dist=%d "
    "! queue ! webmmux name=mux streamable=false ! filesink name=file buffer-mode=unbuffered "
    "videotestsrc is-live=true pattern=black ! video/x-raw,format=I420,width=16,height=16,framerate=%d/1 ! video. "
    "audiomixer name=audio latency=%" G_GUINT64_FORMAT " "
    "! audio/x-raw,format=F32LE,rate=48000,channels=1 ! audioconvert ! opusenc bitrate=48000 "
    "! queue ! mux. "
    "audiotestsrc is-live=true wave=silence samplesperbuffer=960 "
    "! audio/x-raw,format=F32LE,rate=48000,channels=1 ! audio. ",
    AGGREGATOR_LATENCY, OUT_WIDTH, OUT_HEIGHT, OUT_FPS, INPUT_QUEUE_TIME, 2 * OUT_FPS, OUT_FPS, AGGREGATOR_LATENCY);
  self->pipeline = gst_parse_launch (desc, &parse_error);
  if (self->pipeline == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   _("Recording needs GStreamer elements that are missing: %s"), parse_error->message);
      return FALSE;
    }
  gst_object_ref_sink (self->pipeline);
  self->compositor = gst_bin_get_by_name (GST_BIN (self->pipeline), "video");
  self->mixer = gst_bin_get_by_name (GST_BIN (self->pipeline), "audio");
  self->filesink = gst_bin_get_by_name (GST_BIN (self->pipeline), "file");
  /* The bin keeps them alive as long as the pipeline. */
  gst_object_unref (self->compositor);
  gst_object_unref (self->mixer);
  gst_object_unref (self->filesink);
  g_object_set (self->filesink, "location", path, NULL);
  watch_muxer_pads (self->pipeline);

  g_free (self->path);
  self->path = g_strdup (path);

  if (self->self_view != NULL)
    self->self_input = input_new (self, self->self_view);
  if (self->self_audio != NULL)
    self->self_audio_input = input_new (self, self->self_audio);
  sync_inputs (self);

  bus = gst_pipeline_get_bus (GST_PIPELINE (self->pipeline));
  self->bus_watch = gst_bus_add_watch (bus, bus_cb, self);
  if (gst_element_set_state (self->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    {
      g_autoptr (GstMessage) message = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
      g_autoptr (GError) gst_error = NULL;

      if (message != NULL)
        gst_message_parse_error (message, &gst_error, NULL);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("Cannot record to %s: %s"), path,
                   gst_error ? gst_error->message : _("the recording pipeline did not start"));
      teardown (self, FALSE);
      return FALSE;
    }
  GST_INFO ("recording to %s", path);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECORDING]);
  return TRUE;
}

void
cv_recorder_stop (CvRecorder *self)
{
  g_autoptr (GstBus) bus = NULL;
  g_autoptr (GstMessage) message = NULL;
  g_autofree char *path = NULL;
  GHashTableIter iter;
  Input *in;

  g_return_if_fail (CV_IS_RECORDER (self));

  if (self->pipeline == NULL)
    return;

  /* Our bus watch must not take the end from us; no samples after it. */
  g_clear_handle_id (&self->bus_watch, g_source_remove);
  g_hash_table_iter_init (&iter, self->inputs);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &in))
    input_stop_samples (in);
  if (self->self_input != NULL)
    input_stop_samples (self->self_input);
  if (self->self_audio_input != NULL)
    input_stop_samples (self->self_audio_input);
  bus = gst_pipeline_get_bus (GST_PIPELINE (self->pipeline));
  gst_element_send_event (self->pipeline, gst_event_new_eos ());
  message = gst_bus_timed_pop_filtered (bus, STOP_TIMEOUT, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  if (message != NULL && GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR)
    {
      fail (self, message);
      return;
    }
  if (message == NULL)
    GST_WARNING ("recording %s: the muxer did not finish in time; the file has no index", self->path);

  path = g_strdup (self->path);
  teardown (self, TRUE);
  GST_INFO ("saved %s", path);
  g_signal_emit (self, signals[SIGNAL_SAVED], 0, path);
}

/* Replaces one of our own streams (slot) and its input, while recording too. */
static void
set_self_stream (CvRecorder      *self,
                 CvRemoteStream **slot,
                 Input          **input,
                 CvRemoteStream  *stream)
{
  if (*slot == stream)
    return;
  g_clear_pointer (input, input_free);
  g_set_object (slot, stream);
  if (self->pipeline != NULL)
    {
      /* It may have been an item of the model too. */
      if (stream != NULL)
        {
          g_hash_table_remove (self->inputs, stream);
          *input = input_new (self, stream);
        }
      sync_inputs (self);
    }
}

void
cv_recorder_set_self_view (CvRecorder     *self,
                           CvRemoteStream *self_view)
{
  g_return_if_fail (CV_IS_RECORDER (self));
  g_return_if_fail (self_view == NULL || CV_IS_REMOTE_STREAM (self_view));

  set_self_stream (self, &self->self_view, &self->self_input, self_view);
}

void
cv_recorder_set_self_audio (CvRecorder     *self,
                            CvRemoteStream *self_audio)
{
  g_return_if_fail (CV_IS_RECORDER (self));
  g_return_if_fail (self_audio == NULL || CV_IS_REMOTE_STREAM (self_audio));
  g_return_if_fail (self_audio == NULL || cv_remote_stream_get_kind (self_audio) == CV_MEDIA_KIND_AUDIO);

  set_self_stream (self, &self->self_audio, &self->self_audio_input, self_audio);
}

gboolean
cv_recorder_is_recording (CvRecorder *self)
{
  g_return_val_if_fail (CV_IS_RECORDER (self), FALSE);
  return self->pipeline != NULL;
}

const char *
cv_recorder_get_path (CvRecorder *self)
{
  g_return_val_if_fail (CV_IS_RECORDER (self), NULL);
  return self->path;
}

guint64
cv_recorder_get_dropped (CvRecorder *self)
{
  g_return_val_if_fail (CV_IS_RECORDER (self), 0);
  return (guint) g_atomic_int_get (&self->dropped);
}

char *
cv_recorder_make_path (const char *folder,
                       const char *meeting_number)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%Y-%m-%d %H.%M.%S");
  g_autoptr (GString) number = g_string_new (NULL);
  g_autofree char *base = NULL;

  g_return_val_if_fail (folder != NULL, NULL);

  /* The number comes from a link: only its digits and dashes go in a name. */
  for (const char *p = meeting_number; p != NULL && *p != '\0'; p++)
    if (g_ascii_isalnum (*p) || *p == '-')
      g_string_append_c (number, *p);
  base = number->len > 0 ? g_strdup_printf ("Conclave %s %s", number->str, stamp)
                         : g_strdup_printf ("Conclave %s", stamp);

  for (guint n = 1;; n++)
    {
      g_autofree char *name = n == 1 ? g_strdup_printf ("%s.webm", base)
                                     : g_strdup_printf ("%s (%u).webm", base, n);
      char *path = g_build_filename (folder, name, NULL);

      if (!g_file_test (path, G_FILE_TEST_EXISTS))
        return path;
      g_free (path);
    }
}

static void
cv_recorder_dispose (GObject *object)
{
  CvRecorder *self = CV_RECORDER (object);

  /* Whatever was recorded is finished into a playable file. */
  cv_recorder_stop (self);
  if (self->streams != NULL)
    g_signal_handlers_disconnect_by_func (self->streams, items_changed_cb, self);
  g_clear_object (&self->streams);
  g_clear_object (&self->self_view);
  g_clear_object (&self->self_audio);

  G_OBJECT_CLASS (cv_recorder_parent_class)->dispose (object);
}

static void
cv_recorder_finalize (GObject *object)
{
  CvRecorder *self = CV_RECORDER (object);

  g_hash_table_unref (self->inputs);
  g_free (self->path);

  G_OBJECT_CLASS (cv_recorder_parent_class)->finalize (object);
}

static void
cv_recorder_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  CvRecorder *self = CV_RECORDER (object);

  switch (prop_id)
    {
    case PROP_RECORDING:
      g_value_set_boolean (value, cv_recorder_is_recording (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cv_recorder_class_init (CvRecorderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cv_recorder_dispose;
  object_class->finalize = cv_recorder_finalize;
  object_class->get_property = cv_recorder_get_property;

  properties[PROP_RECORDING] =
    g_param_spec_boolean ("recording", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_SAVED] =
    g_signal_new ("saved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_FAILED] =
    g_signal_new ("failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_ERROR);

  GST_DEBUG_CATEGORY_INIT (cv_recorder_debug, "cvrecorder", 0, "Conclave local recording");
}

static void
cv_recorder_init (CvRecorder *self)
{
  self->inputs = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) input_free);
}

CvRecorder *
cv_recorder_new (GListModel *streams)
{
  CvRecorder *self;

  g_return_val_if_fail (G_IS_LIST_MODEL (streams), NULL);

  self = g_object_new (CV_TYPE_RECORDER, NULL);
  self->streams = g_object_ref (streams);
  g_signal_connect (streams, "items-changed", G_CALLBACK (items_changed_cb), self);
  return self;
}
