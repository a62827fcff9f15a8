#pragma once

#include <adwaita.h>

#include "cv-camera-preview.h"

G_BEGIN_DECLS

#define CV_TYPE_PREFERENCES_WINDOW (cv_preferences_window_get_type ())
G_DECLARE_FINAL_TYPE (CvPreferencesWindow, cv_preferences_window, CV, PREFERENCES_WINDOW, AdwPreferencesWindow)

GtkWidget *cv_preferences_window_new             (GtkWindow           *parent);

/* What the file choosers do with the files picked; also used by tests.
 * Errors are shown to the user in a dialog; the return says if it worked. */
gboolean   cv_preferences_window_import_identity (CvPreferencesWindow *self,
                                                  const char * const  *paths,
                                                  const char          *passphrase);
gboolean   cv_preferences_window_add_partner_ca  (CvPreferencesWindow *self,
                                                  const char          *path);
void       cv_preferences_window_remove_partner_ca (CvPreferencesWindow *self,
                                                    const char          *path);
/* What the request dialog does: asks the meeting service at `server`
 * (HOST[:PORT] or one of its invite links, whose fingerprint is then
 * pinned) for a certificate, signing in as account; empty `server`: the
 * service this computer hosts meetings with, which vouches for its own user
 * without an account (password unused). The result is a toast (and the new
 * identity in the settings) or a message dialog; "certificate-requested"
 * is emitted when it is known. */
void       cv_preferences_window_request_certificate (CvPreferencesWindow *self,
                                                      const char          *server,
                                                      const char          *account,
                                                      const char          *password);
/* The camera preview running while the window is shown, NULL while hidden
 * (for tests). */
CvCameraPreview *cv_preferences_window_get_camera_preview (CvPreferencesWindow *self);

G_END_DECLS
