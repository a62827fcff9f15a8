/* CvRemoteStream: one stream received from another participant.
 *
 * Frames arrive on GStreamer's streaming threads; the object keeps the last
 * one under a lock and tells the main context "new-frame" at most once per
 * main-loop iteration, so a slow UI never backs up the pipeline.
 *
 * Consumers that need every sample (the recorder) add a sink: a function
 * called on the streaming thread. Sinks have their own lock, held while
 * they run, so that removing one waits for a call in progress and its data
 * can be freed right after; the frame lock above is not held then, so a
 * sink never delays the UI's getters.
 */
#include "cv-remote-stream.h"

#include <gst/audio/audio.h>
#include <math.h>

struct _CvRemoteStream
{
  GObject parent_instance;

  guint32 ssrc;
  CvMediaKind kind;
  GMainContext *context;

  GMutex lock;
  GstSample *last_sample;
  gint64 sender_leaf;
  guint64 frames;
  guint64 dropped;
  double audio_level;
  gboolean notify_pending;

  GMutex sinks_lock;
  GArray *sinks;   /* of Sink */
  guint next_sink_id;
};

typedef struct {
  guint id;
  CvRemoteStreamSinkFunc func;
  gpointer user_data;
  GDestroyNotify destroy;
} Sink;

G_DEFINE_FINAL_TYPE (CvRemoteStream, cv_remote_stream, G_TYPE_OBJECT)

enum {
  SIGNAL_NEW_FRAME,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

guint32
cv_remote_stream_get_ssrc (CvRemoteStream *self)
{
  return self->ssrc;
}

CvMediaKind
cv_remote_stream_get_kind (CvRemoteStream *self)
{
  return self->kind;
}

#define LOCKED_GETTER(type, name, field)          \
  type                                            \
  cv_remote_stream_get_##name (CvRemoteStream *self) \
  {                                               \
    type value;                                   \
    g_mutex_lock (&self->lock);                   \
    value = self->field;                          \
    g_mutex_unlock (&self->lock);                 \
    return value;                                 \
  }

LOCKED_GETTER (gint64, sender_leaf, sender_leaf)
LOCKED_GETTER (guint64, frames, frames)
LOCKED_GETTER (guint64, dropped, dropped)
LOCKED_GETTER (double, audio_level, audio_level)

GstSample *
cv_remote_stream_dup_last_sample (CvRemoteStream *self)
{
  GstSample *sample;

  g_mutex_lock (&self->lock);
  sample = self->last_sample ? gst_sample_ref (self->last_sample) : NULL;
  g_mutex_unlock (&self->lock);
  return sample;
}

static double
mean_amplitude (GstSample *sample)
{
  GstBuffer *buf = gst_sample_get_buffer (sample);
  GstMapInfo map;
  double sum = 0;
  gsize n;

  /* The pipeline hands audio as interleaved F32. */
  if (buf == NULL || !gst_buffer_map (buf, &map, GST_MAP_READ))
    return 0;
  n = map.size / sizeof (float);
  for (gsize i = 0; i < n; i++)
    sum += fabs (((const float *) map.data)[i]);
  gst_buffer_unmap (buf, &map);
  return n ? sum / n : 0;
}

static gboolean
emit_new_frame_cb (gpointer user_data)
{
  CvRemoteStream *self = user_data;

  g_mutex_lock (&self->lock);
  self->notify_pending = FALSE;
  g_mutex_unlock (&self->lock);
  g_signal_emit (self, signals[SIGNAL_NEW_FRAME], 0);
  return G_SOURCE_REMOVE;
}

void
cv_remote_stream_push_sample (CvRemoteStream *self,
                              GstSample      *sample,
                              gint64          sender_leaf,
                              guint64         dropped)
{
  gboolean notify;
  double level = self->kind == CV_MEDIA_KIND_AUDIO ? mean_amplitude (sample) : 0;

  g_mutex_lock (&self->lock);
  if (self->kind == CV_MEDIA_KIND_VIDEO)
    gst_mini_object_replace ((GstMiniObject **) &self->last_sample, GST_MINI_OBJECT_CAST (sample));
  self->audio_level = level;
  self->sender_leaf = sender_leaf;
  self->dropped = dropped;
  self->frames++;
  notify = !self->notify_pending;
  self->notify_pending = TRUE;
  g_mutex_unlock (&self->lock);

  g_mutex_lock (&self->sinks_lock);
  for (guint i = 0; i < self->sinks->len; i++)
    {
      Sink *sink = &g_array_index (self->sinks, Sink, i);
      sink->func (self, sample, sink->user_data);
    }
  g_mutex_unlock (&self->sinks_lock);

  /* Always through a source on the context, never g_main_context_invoke():
   * when no thread is iterating the context right then, invoke runs the
   * handler here, on the streaming thread, and a main thread stopping the
   * pipeline waits for this thread while the handler waits for it (seen as
   * a hang of the preferences' camera preview). */
  if (notify)
    {
      GSource *source = g_idle_source_new ();

      g_source_set_priority (source, G_PRIORITY_DEFAULT);
      g_source_set_callback (source, emit_new_frame_cb, g_object_ref (self), g_object_unref);
      g_source_attach (source, self->context);
      g_source_unref (source);
    }
}

guint
cv_remote_stream_add_sink (CvRemoteStream        *self,
                           CvRemoteStreamSinkFunc func,
                           gpointer               user_data,
                           GDestroyNotify         destroy)
{
  Sink sink = { 0, func, user_data, destroy };

  g_return_val_if_fail (CV_IS_REMOTE_STREAM (self), 0);
  g_return_val_if_fail (func != NULL, 0);

  g_mutex_lock (&self->sinks_lock);
  sink.id = ++self->next_sink_id;
  g_array_append_val (self->sinks, sink);
  g_mutex_unlock (&self->sinks_lock);
  return sink.id;
}

void
cv_remote_stream_remove_sink (CvRemoteStream *self,
                              guint           id)
{
  Sink removed = { 0 };

  g_return_if_fail (CV_IS_REMOTE_STREAM (self));

  g_mutex_lock (&self->sinks_lock);
  for (guint i = 0; i < self->sinks->len; i++)
    if (g_array_index (self->sinks, Sink, i).id == id)
      {
        removed = g_array_index (self->sinks, Sink, i);
        g_array_remove_index (self->sinks, i);
        break;
      }
  g_mutex_unlock (&self->sinks_lock);

  g_return_if_fail (removed.id == id);
  if (removed.destroy)
    removed.destroy (removed.user_data);
}

static void
cv_remote_stream_finalize (GObject *object)
{
  CvRemoteStream *self = CV_REMOTE_STREAM (object);

  for (guint i = 0; i < self->sinks->len; i++)
    {
      Sink *sink = &g_array_index (self->sinks, Sink, i);
      if (sink->destroy)
        sink->destroy (sink->user_data);
    }
  g_array_unref (self->sinks);
  g_mutex_clear (&self->sinks_lock);

  gst_clear_mini_object ((GstMiniObject **) &self->last_sample);
  g_main_context_unref (self->context);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (cv_remote_stream_parent_class)->finalize (object);
}

static void
cv_remote_stream_class_init (CvRemoteStreamClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cv_remote_stream_finalize;

  /* Emitted on the main context that created the stream after new frames. */
  signals[SIGNAL_NEW_FRAME] =
    g_signal_new ("new-frame", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
cv_remote_stream_init (CvRemoteStream *self)
{
  g_mutex_init (&self->lock);
  g_mutex_init (&self->sinks_lock);
  self->sinks = g_array_new (FALSE, FALSE, sizeof (Sink));
  self->sender_leaf = -1;
  self->context = g_main_context_ref_thread_default ();
}

CvRemoteStream *
cv_remote_stream_new (guint32     ssrc,
                      CvMediaKind kind)
{
  CvRemoteStream *self = g_object_new (CV_TYPE_REMOTE_STREAM, NULL);

  self->ssrc = ssrc;
  self->kind = kind;
  return self;
}
