/* CvMediaDevices: cameras, microphones and speakers through GstDeviceMonitor.
 *
 * A machine without a camera (a CI runner, a server, a VM) still gets a
 * meeting: the source falls back to GStreamer's test sources, and callers are
 * told so, so the UI can say "test video" instead of pretending. The monitor
 * runs for the object's life; its bus tells us of hotplug, which we pass on
 * as "changed" so a device chooser can list again.
 */
#include "cv-media-devices.h"

struct _CvMediaDevices
{
  GObject parent_instance;

  GstDeviceMonitor *monitor;
  GSource *bus_source;
};

G_DEFINE_FINAL_TYPE (CvMediaDevices, cv_media_devices, G_TYPE_OBJECT)

enum {
  SIGNAL_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

#define CLASS_CAMERA "Video/Source"
#define CLASS_MICROPHONE "Audio/Source"
#define CLASS_SPEAKER "Audio/Sink"

static const char *
class_for_kind (CvMediaKind kind)
{
  return kind == CV_MEDIA_KIND_VIDEO ? CLASS_CAMERA : CLASS_MICROPHONE;
}

static GList *
list_class (CvMediaDevices *self,
            const char     *device_class)
{
  GList *all, *found = NULL;

  all = gst_device_monitor_get_devices (self->monitor);
  for (GList *l = all; l != NULL; l = l->next)
    {
      GstDevice *device = l->data;
      if (gst_device_has_classes (device, device_class))
        found = g_list_prepend (found, g_object_ref (device));
    }
  g_list_free_full (all, gst_object_unref);
  return g_list_reverse (found);
}

GList *
cv_media_devices_list (CvMediaDevices *self,
                       CvMediaKind     kind)
{
  g_return_val_if_fail (CV_IS_MEDIA_DEVICES (self), NULL);

  return list_class (self, class_for_kind (kind));
}

GList *
cv_media_devices_list_speakers (CvMediaDevices *self)
{
  g_return_val_if_fail (CV_IS_MEDIA_DEVICES (self), NULL);

  return list_class (self, CLASS_SPEAKER);
}

char **
cv_media_devices_get_names (CvMediaDevices *self,
                            CvMediaKind     kind)
{
  GList *devices = cv_media_devices_list (self, kind);
  GStrvBuilder *names = g_strv_builder_new ();
  char **result;

  for (GList *l = devices; l != NULL; l = l->next)
    {
      g_autofree char *name = gst_device_get_display_name (l->data);
      g_strv_builder_add (names, name);
    }
  g_list_free_full (devices, gst_object_unref);
  result = g_strv_builder_end (names);
  g_strv_builder_unref (names);
  return result;
}

/* The element of the named device of a class, or of the first one when
 * name is empty; NULL when there is none. */
static GstElement *
create_for_class (CvMediaDevices *self,
                  const char     *device_class,
                  const char     *name)
{
  GList *devices = list_class (self, device_class);
  GstElement *element = NULL;

  for (GList *l = devices; l != NULL && element == NULL; l = l->next)
    {
      g_autofree char *display_name = gst_device_get_display_name (l->data);
      if (name == NULL || *name == '\0' || g_strcmp0 (name, display_name) == 0)
        element = gst_device_create_element (l->data, NULL);
    }
  g_list_free_full (devices, gst_object_unref);
  return element;
}

GstElement *
cv_media_devices_create_source (CvMediaDevices *self,
                                CvMediaKind     kind,
                                const char     *name,
                                gboolean       *is_test)
{
  GstElement *source;

  g_return_val_if_fail (CV_IS_MEDIA_DEVICES (self), NULL);

  source = create_for_class (self, class_for_kind (kind), name);
  if (is_test != NULL)
    *is_test = source == NULL;
  if (source != NULL)
    return source;

  if (kind == CV_MEDIA_KIND_VIDEO)
    {
      source = gst_element_factory_make ("videotestsrc", NULL);
      if (source != NULL)
        g_object_set (source, "is-live", TRUE, "pattern", 18 /* ball */, NULL);
    }
  else
    {
      source = gst_element_factory_make ("audiotestsrc", NULL);
      if (source != NULL)
        g_object_set (source, "is-live", TRUE, "wave", 0 /* sine */, "volume", 0.2, NULL);
    }
  return source;
}

GstElement *
cv_media_devices_create_speaker (CvMediaDevices *self,
                                 const char     *name)
{
  g_return_val_if_fail (CV_IS_MEDIA_DEVICES (self), NULL);

  /* A named speaker that is gone is no speaker: the caller picks the default. */
  if (name == NULL || *name == '\0')
    return NULL;
  return create_for_class (self, CLASS_SPEAKER, name);
}

static gboolean
bus_cb (GstBus     *bus,
        GstMessage *message,
        gpointer    user_data)
{
  CvMediaDevices *self = user_data;

  switch (GST_MESSAGE_TYPE (message))
    {
    case GST_MESSAGE_DEVICE_ADDED:
    case GST_MESSAGE_DEVICE_REMOVED:
    case GST_MESSAGE_DEVICE_CHANGED:
      g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
      break;
    default:
      break;
    }
  return G_SOURCE_CONTINUE;
}

static void
cv_media_devices_dispose (GObject *object)
{
  CvMediaDevices *self = CV_MEDIA_DEVICES (object);

  if (self->bus_source != NULL)
    g_source_destroy (self->bus_source);
  g_clear_pointer (&self->bus_source, g_source_unref);
  if (self->monitor != NULL)
    gst_device_monitor_stop (self->monitor);
  g_clear_object (&self->monitor);

  G_OBJECT_CLASS (cv_media_devices_parent_class)->dispose (object);
}

static void
cv_media_devices_class_init (CvMediaDevicesClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = cv_media_devices_dispose;

  /* A device came, went or changed; list again. */
  signals[SIGNAL_CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
cv_media_devices_init (CvMediaDevices *self)
{
  g_autoptr (GstBus) bus = NULL;

  self->monitor = gst_device_monitor_new ();
  gst_device_monitor_add_filter (self->monitor, CLASS_CAMERA, NULL);
  gst_device_monitor_add_filter (self->monitor, CLASS_MICROPHONE, NULL);
  gst_device_monitor_add_filter (self->monitor, CLASS_SPEAKER, NULL);

  bus = gst_device_monitor_get_bus (self->monitor);
  self->bus_source = gst_bus_create_watch (bus);
  g_source_set_callback (self->bus_source, (GSourceFunc) G_CALLBACK (bus_cb), self, NULL);
  g_source_attach (self->bus_source, g_main_context_get_thread_default ());

  /* Without any provider (a minimal system) the monitor does not start;
   * the lists are then empty and sources fall back to test media. */
  if (!gst_device_monitor_start (self->monitor))
    g_debug ("no device provider could start: test media only");
}

CvMediaDevices *
cv_media_devices_new (void)
{
  return g_object_new (CV_TYPE_MEDIA_DEVICES, NULL);
}
