#pragma once

#include <gtk/gtk.h>

#include "cv-security-state.h"

G_BEGIN_DECLS

#define CV_TYPE_NOTIFIER (cv_notifier_get_type ())
G_DECLARE_FINAL_TYPE (CvNotifier, cv_notifier, CV, NOTIFIER, GObject)

/* Desktop notifications (libnotify) for what matters while the window is
 * not in front: someone joined or left, the security code changed, the
 * meeting stopped being end-to-end encrypted, a recording was saved.
 * Without a notification service it logs once and stays quiet.
 *
 * Signal "sent" (const char *summary, const char *body): a notification was
 * due (emitted whether or not a service showed it). */
CvNotifier *cv_notifier_new              (GtkWindow       *window);
/* The meeting to watch: its members (CvMeetingMember items) and security
 * state; NULLs stop watching. The members present when watching starts
 * are not announced. */
void        cv_notifier_watch            (CvNotifier      *self,
                                          GListModel      *members,
                                          CvSecurityState *security);
void        cv_notifier_recording_saved  (CvNotifier      *self,
                                          const char      *path);

G_END_DECLS
