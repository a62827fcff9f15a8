/* CvMediaDevices: cameras and microphones through GstDeviceMonitor.
 *
 * A machine without a camera (a CI runner, a server, a VM) still gets a
 * meeting: the source falls back to GStreamer's test sources, and callers are
 * told so, so the UI can say "test video" instead of pretending.
 */
#include "cv-media-devices.h"

struct _CvMediaDevices
{
  GObject parent_instance;

  GstDeviceMonitor *monitor;
};

G_DEFINE_FINAL_TYPE (CvMediaDevices, cv_media_devices, G_TYPE_OBJECT)

static const char *
class_for_kind (CvMediaKind kind)
{
  return kind == CV_MEDIA_KIND_VIDEO ? "Video/Source" : "Audio/Source";
}

GList *
cv_media_devices_list (CvMediaDevices *self,
                       CvMediaKind     kind)
{
  GList *all, *found = NULL;

  g_return_val_if_fail (CV_IS_MEDIA_DEVICES (self), NULL);

  all = gst_device_monitor_get_devices (self->monitor);
  for (GList *l = all; l != NULL; l = l->next)
    {
      GstDevice *device = l->data;
      if (gst_device_has_classes (device, class_for_kind (kind)))
        found = g_list_prepend (found, g_object_ref (device));
    }
  g_list_free_full (all, gst_object_unref);
  return g_list_reverse (found);
}

GstElement *
cv_media_devices_create_source (CvMediaDevices *self,
                                CvMediaKind     kind,
                                const char     *name,
                                gboolean       *is_test)
{
  GList *devices = cv_media_devices_list (self, kind);
  GstElement *source = NULL;

  for (GList *l = devices; l != NULL && source == NULL; l = l->next)
    {
      g_autofree char *display_name = gst_device_get_display_name (l->data);
      if (name == NULL || *name == '\0' || g_strcmp0 (name, display_name) == 0)
        source = gst_device_create_element (l->data, NULL);
    }
  g_list_free_full (devices, gst_object_unref);

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

static void
cv_media_devices_dispose (GObject *object)
{
  CvMediaDevices *self = CV_MEDIA_DEVICES (object);

  if (self->monitor != NULL)
    gst_device_monitor_stop (self->monitor);
  g_clear_object (&self->monitor);

  G_OBJECT_CLASS (cv_media_devices_parent_class)->dispose (object);
}

static void
cv_media_devices_class_init (CvMediaDevicesClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = cv_media_devices_dispose;
}

static void
cv_media_devices_init (CvMediaDevices *self)
{
  self->monitor = gst_device_monitor_new ();
  gst_device_monitor_add_filter (self->monitor, "Video/Source", NULL);
  gst_device_monitor_add_filter (self->monitor, "Audio/Source", NULL);
  /* Started once so get_devices() probes; no bus watch is needed for a snapshot. */
  gst_device_monitor_start (self->monitor);
}

CvMediaDevices *
cv_media_devices_new (void)
{
  return g_object_new (CV_TYPE_MEDIA_DEVICES, NULL);
}
